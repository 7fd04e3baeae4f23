package dev.shim4j.shim;

import dev.shim4j.shim.bundle.OciSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;

/**
 * The group key that decides which daemon serves a container (see {@link Shim#spawnDaemon}). A shim
 * that runs a whole pod in one daemon, as containerd's runc shim does, starts with
 * {@code Shim.spawnDaemon(opts, Grouping.of(opts))}: containers with the same group annotation, or
 * failing that the same CRI sandbox id, share a daemon; any other container gets its own.
 */
public final class Grouping {
  /** An explicit group, set by whoever creates the container. */
  public static final String GROUP_ANNOTATION = "io.containerd.runc.v2.group";
  /** The pod of a Kubernetes container, set by containerd's CRI plugin. */
  public static final String SANDBOX_ANNOTATION = "io.kubernetes.cri.sandbox-id";

  private Grouping() {}

  /**
   * The group of the container being started, from its bundle's config.json annotations.
   *
   * @param opts what {@link Shim#startShim} was called with
   * @return the group annotation's value, else the CRI sandbox id, else the container id
   * @throws IOException when config.json cannot be read
   */
  public static String of(StartOpts opts) throws IOException {
    if (!Files.exists(opts.bundle().resolve("config.json"))) {
      return opts.id();
    }
    return fromAnnotations(OciSpec.read(opts.bundle()).annotations()).orElse(opts.id());
  }

  /**
   * The group named by {@code annotations}, when they name one.
   *
   * @param annotations a container's OCI annotations
   * @return the group annotation's value, else the CRI sandbox id, else empty
   */
  public static Optional<String> fromAnnotations(Map<String, String> annotations) {
    for (String key : new String[] {GROUP_ANNOTATION, SANDBOX_ANNOTATION}) {
      String value = annotations.get(key);
      if (value != null && !value.isEmpty()) {
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }
}
