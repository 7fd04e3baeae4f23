package dev.shim4j.runcshim;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.api.Anys;
import dev.shim4j.api.runc.linux.CreateOptions;
import dev.shim4j.api.runc.options.Options;
import dev.shim4j.runc.Json;
import dev.shim4j.runc.Runc;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runc options of one container ({@code containerd.runc.v1.Options} from Create), kept in the
 * bundle as {@code options.json} (and the runc binary in {@code runtime}) so that the
 * {@code delete} action, run in a fresh process after the daemon died, drives the same runc with
 * the same root.
 */
final class RuncConfig {
  static final String DEFAULT_ROOT = "/run/containerd/runc";
  static final String OPTIONS_FILE = "options.json";
  static final String RUNTIME_FILE = "runtime";
  private static final Logger LOG = ShimLogging.logger(RuncConfig.class);

  final Options options;

  RuncConfig(Options options) {
    this.options = options;
  }

  /**
   * The options in a Create request: containerd.runc.v1.Options; runtimeoptions.v1.Options, whose
   * TOML (the file at config_path, else config_body) holds them for a runtime containerd does not
   * know as runc (see {@link RuncOptionsToml}); containerd.linux.runc.CreateOptions, which
   * containerd's client sends to such a runtime for WithNoPivotRoot, WithShimCgroup, WithUIDOwner
   * and the like; or nothing (defaults). Any other type, a config file that cannot be read or
   * TOML that does not hold options is INVALID_ARGUMENT: the container is not created with
   * options other than those asked for.
   */
  static RuncConfig fromAny(Any any) throws InvalidProtocolBufferException {
    if (any == null || any.getTypeUrl().isEmpty()) {
      return new RuncConfig(Options.getDefaultInstance());
    }
    if (Anys.is(any, Options.class)) {
      return new RuncConfig(Anys.unpack(any, Options.class));
    }
    if (Anys.is(any, dev.shim4j.api.runtimeoptions.v1.Options.class)) {
      return fromToml(Anys.unpack(any, dev.shim4j.api.runtimeoptions.v1.Options.class));
    }
    if (Anys.is(any, CreateOptions.class)) {
      return new RuncConfig(fromCreateOptions(Anys.unpack(any, CreateOptions.class)));
    }
    throw TtrpcException.invalidArgument("runtime options of type " + any.getTypeUrl() + " are not runc options;"
        + " runc4j takes " + Anys.fullName(Options.class) + ", " + Anys.fullName(CreateOptions.class)
        + " or " + Anys.fullName(dev.shim4j.api.runtimeoptions.v1.Options.class));
  }

  /**
   * The older CreateOptions as runc options: the fields both types have. Its criu fields other
   * than the paths (open_tcp, terminal, ...) describe a restore, which takes them from the
   * checkpoint instead; its terminal is the request's.
   */
  static Options fromCreateOptions(CreateOptions c) {
    return Options.newBuilder()
        .setNoPivotRoot(c.getNoPivotRoot())
        .setNoNewKeyring(c.getNoNewKeyring())
        .setShimCgroup(c.getShimCgroup())
        .setIoUid(c.getIoUid())
        .setIoGid(c.getIoGid())
        .setCriuWorkPath(c.getCriuWorkPath())
        .setCriuImagePath(c.getCriuImagePath())
        .build();
  }

  private static RuncConfig fromToml(dev.shim4j.api.runtimeoptions.v1.Options runtime) {
    String source;
    String toml;
    if (!runtime.getConfigPath().isEmpty()) {
      source = runtime.getConfigPath();
      try {
        toml = Files.readString(Path.of(source), StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw TtrpcException.invalidArgument("runtime options: config_path " + source + " does not exist");
      } catch (IOException | RuntimeException e) {
        throw TtrpcException.invalidArgument("runtime options: cannot read config_path " + source + ": " + e);
      }
    } else {
      source = "config_body";
      toml = runtime.getConfigBody().toStringUtf8();
    }
    try {
      RuncOptionsToml.Parsed parsed = RuncOptionsToml.parse(toml, source);
      if (!parsed.skippedKeys().isEmpty()) {
        LOG.log(Level.WARNING, "runtime options in " + source + ": no runc option is named "
            + String.join(", ", parsed.skippedKeys()) + "; skipped");
      }
      return new RuncConfig(parsed.options());
    } catch (IllegalArgumentException e) {
      throw TtrpcException.invalidArgument("runtime options: " + e.getMessage());
    }
  }

  String binary() {
    return options.getBinaryName().isEmpty() ? "runc" : options.getBinaryName();
  }

  Path root(String namespace) {
    String root = options.getRoot().isEmpty() ? DEFAULT_ROOT : options.getRoot();
    return Path.of(root, namespace);
  }

  /** runc for a container of this bundle: state under root/namespace, log in bundle/log.json. */
  Runc runc(String namespace, Path bundle) {
    Runc.Builder b = Runc.builder()
        .binary(binary())
        .root(root(namespace))
        .log(bundle.resolve("log.json"))
        .logFormat(Runc.LogFormat.JSON)
        .systemdCgroup(options.getSystemdCgroup())
        .timeout(Duration.ofSeconds(60));
    if (!options.getCriuPath().isEmpty()) {
      b.criu(Path.of(options.getCriuPath()));
    }
    return b.build();
  }

  void write(Path bundle) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    if (options.getNoPivotRoot()) {
      m.put("no_pivot_root", true);
    }
    if (options.getNoNewKeyring()) {
      m.put("no_new_keyring", true);
    }
    putIfSet(m, "shim_cgroup", options.getShimCgroup());
    if (options.getIoUid() != 0) {
      m.put("io_uid", (long) options.getIoUid());
    }
    if (options.getIoGid() != 0) {
      m.put("io_gid", (long) options.getIoGid());
    }
    putIfSet(m, "binary_name", options.getBinaryName());
    putIfSet(m, "root", options.getRoot());
    putIfSet(m, "criu_path", options.getCriuPath());
    if (options.getSystemdCgroup()) {
      m.put("systemd_cgroup", true);
    }
    putIfSet(m, "criu_image_path", options.getCriuImagePath());
    putIfSet(m, "criu_work_path", options.getCriuWorkPath());
    writeAtomically(bundle.resolve(OPTIONS_FILE), Json.write(m));
    writeAtomically(bundle.resolve(RUNTIME_FILE), binary());
  }

  /** The options a previous Create wrote; defaults when there are none. */
  static RuncConfig read(Path bundle) throws IOException {
    String text;
    try {
      text = Files.readString(bundle.resolve(OPTIONS_FILE));
    } catch (NoSuchFileException e) {
      return new RuncConfig(Options.getDefaultInstance());
    }
    Map<String, Object> m = Json.parseObject(text);
    Options.Builder o = Options.newBuilder()
        .setNoPivotRoot(Json.bool(m, "no_pivot_root"))
        .setNoNewKeyring(Json.bool(m, "no_new_keyring"))
        .setShimCgroup(Json.string(m, "shim_cgroup"))
        .setIoUid((int) Json.number(m, "io_uid"))
        .setIoGid((int) Json.number(m, "io_gid"))
        .setBinaryName(Json.string(m, "binary_name"))
        .setRoot(Json.string(m, "root"))
        .setCriuPath(Json.string(m, "criu_path"))
        .setSystemdCgroup(Json.bool(m, "systemd_cgroup"))
        .setCriuImagePath(Json.string(m, "criu_image_path"))
        .setCriuWorkPath(Json.string(m, "criu_work_path"));
    return new RuncConfig(o.build());
  }

  private static void putIfSet(Map<String, Object> m, String k, String v) {
    if (v != null && !v.isEmpty()) {
      m.put(k, v);
    }
  }

  static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

}
