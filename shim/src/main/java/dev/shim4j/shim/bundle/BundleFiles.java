package dev.shim4j.shim.bundle;

import dev.shim4j.api.runc.options.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The small files a shim keeps in a bundle for containerd and for its own later invocations
 * ({@code delete} runs as a new process and finds its facts here): {@code address},
 * {@code options.json}, {@code runtime} and pid files. Writes are atomic.
 */
public final class BundleFiles {
  public static final String ADDRESS = "address";
  public static final String OPTIONS = "options.json";
  public static final String RUNTIME = "runtime";
  public static final String INIT_PID = "init.pid";

  private static final Duration PID_POLL = Duration.ofMillis(10);

  private BundleFiles() {}

  /** The shim's plain task address ("unix:///run/containerd/s/..."), read by containerd 1.6/1.7 on restart. */
  public static void writeAddress(Path bundle, String address) throws IOException {
    AtomicFiles.write(bundle.resolve(ADDRESS), address);
  }

  public static Optional<String> readAddress(Path bundle) throws IOException {
    return readText(bundle.resolve(ADDRESS)).map(String::strip);
  }

  /** The runc options as JSON with containerd's field names ({@code binary_name}, {@code root}, ...). */
  public static void writeOptions(Path bundle, Options options) throws IOException {
    AtomicFiles.write(bundle.resolve(OPTIONS), Json.write(optionsJson(options)));
  }

  /**
   * What {@link ProtoJson#toMap} makes of {@code o} (the set fields by proto name, in field order),
   * written out field by field: ProtoJson reads the message's descriptor, which protobuf-java
   * builds on first use, and a Create would pay ~40 ms of a cold JVM for it. BundleFilesTest keeps
   * the two equal.
   */
  static Map<String, Object> optionsJson(Options o) {
    Map<String, Object> m = new LinkedHashMap<>();
    putTrue(m, "no_pivot_root", o.getNoPivotRoot());
    putTrue(m, "no_new_keyring", o.getNoNewKeyring());
    putText(m, "shim_cgroup", o.getShimCgroup());
    putUnsigned(m, "io_uid", o.getIoUid());
    putUnsigned(m, "io_gid", o.getIoGid());
    putText(m, "binary_name", o.getBinaryName());
    putText(m, "root", o.getRoot());
    putText(m, "criu_path", o.getCriuPath());
    putTrue(m, "systemd_cgroup", o.getSystemdCgroup());
    putText(m, "criu_image_path", o.getCriuImagePath());
    putText(m, "criu_work_path", o.getCriuWorkPath());
    putText(m, "task_api_address", o.getTaskApiAddress());
    putUnsigned(m, "task_api_version", o.getTaskApiVersion());
    return m;
  }

  private static void putTrue(Map<String, Object> m, String name, boolean value) {
    if (value) {
      m.put(name, true);
    }
  }

  private static void putText(Map<String, Object> m, String name, String value) {
    if (!value.isEmpty()) {
      m.put(name, value);
    }
  }

  private static void putUnsigned(Map<String, Object> m, String name, int value) {
    if (value != 0) {
      m.put(name, Integer.toUnsignedLong(value));
    }
  }

  /** The options written at create; empty when there is no file (a create without options). */
  public static Optional<Options> readOptions(Path bundle) throws IOException {
    Path file = bundle.resolve(OPTIONS);
    Optional<String> text = readText(file);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(optionsFromJson(Json.parseObject(text.get())));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The reverse of {@link #optionsJson}, as {@link ProtoJson#read} would do it but without the
   * descriptors: unknown keys and nulls are skipped, a value of the wrong type is an error.
   */
  static Options optionsFromJson(Map<String, Object> json) {
    Options.Builder o = Options.newBuilder();
    for (Map.Entry<String, Object> e : json.entrySet()) {
      String name = e.getKey();
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      switch (name) {
        case "no_pivot_root" -> o.setNoPivotRoot(bool(name, v));
        case "no_new_keyring" -> o.setNoNewKeyring(bool(name, v));
        case "shim_cgroup" -> o.setShimCgroup(text(name, v));
        case "io_uid" -> o.setIoUid(uint32(name, v));
        case "io_gid" -> o.setIoGid(uint32(name, v));
        case "binary_name" -> o.setBinaryName(text(name, v));
        case "root" -> o.setRoot(text(name, v));
        case "criu_path" -> o.setCriuPath(text(name, v));
        case "systemd_cgroup" -> o.setSystemdCgroup(bool(name, v));
        case "criu_image_path" -> o.setCriuImagePath(text(name, v));
        case "criu_work_path" -> o.setCriuWorkPath(text(name, v));
        case "task_api_address" -> o.setTaskApiAddress(text(name, v));
        case "task_api_version" -> o.setTaskApiVersion(uint32(name, v));
        default -> {
          // a field of a newer containerd: ignored, as Go's encoding/json does
        }
      }
    }
    return o.build();
  }

  private static boolean bool(String name, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    throw wrongType(name, "a boolean", v);
  }

  private static String text(String name, Object v) {
    if (v instanceof String s) {
      return s;
    }
    throw wrongType(name, "a string", v);
  }

  private static int uint32(String name, Object v) {
    if (v instanceof Long l && l >= 0 && l <= 0xFFFF_FFFFL) {
      return (int) (long) l;
    }
    throw wrongType(name, "an integer in [0, 4294967295]", v);
  }

  private static IllegalArgumentException wrongType(String name, String expected, Object v) {
    return new IllegalArgumentException(name + " must be " + expected + ", got " + Json.write(v));
  }

  /** The runtime binary the container was created with (runc shims: "runc" or options.binary_name). */
  public static void writeRuntime(Path bundle, String runtime) throws IOException {
    AtomicFiles.write(bundle.resolve(RUNTIME), runtime);
  }

  public static Optional<String> readRuntime(Path bundle) throws IOException {
    return readText(bundle.resolve(RUNTIME));
  }

  public static void writePid(Path pidFile, int pid) throws IOException {
    AtomicFiles.write(pidFile, Integer.toString(pid));
  }

  /**
   * Reads a pid file another process (runc) writes, waiting up to {@code timeout} while it is
   * missing, empty or half-written.
   */
  public static int readPid(Path pidFile, Duration timeout) throws IOException, TimeoutException,
      InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    while (true) {
      Optional<String> text = readText(pidFile);
      if (text.isPresent()) {
        last = text.get().strip();
        if (last.matches("[0-9]{1,10}")) {
          long pid = Long.parseLong(last);
          if (pid > 0 && pid <= Integer.MAX_VALUE) {
            return (int) pid;
          }
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new TimeoutException(last == null
            ? "pid file " + pidFile + " did not appear within " + timeout
            : "pid file " + pidFile + " holds no pid: \"" + last + "\"");
      }
      Thread.sleep(PID_POLL);
    }
  }

  private static Optional<String> readText(Path file) throws IOException {
    try {
      return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }
}
