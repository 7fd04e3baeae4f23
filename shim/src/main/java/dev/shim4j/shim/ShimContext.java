package dev.shim4j.shim;

import dev.shim4j.shim.event.Publisher;
import java.nio.file.Path;

/**
 * What a shim is created with, for every action (start, delete, serve).
 *
 * @param runtimeId the runtime name, e.g. {@code io.containerd.skeleton.v1}
 * @param id the container id the shim was invoked for
 * @param namespace the containerd namespace
 * @param flags the full command line and environment
 * @param publisher publishes events to containerd; connects on first use, so creating a shim for
 *     {@code start} or {@code delete} costs nothing
 * @param config mutable while the shim is being created; read by the bootstrap afterwards
 */
public record ShimContext(
    String runtimeId, String id, String namespace, Flags flags, Publisher publisher, Config config) {

  /**
   * The bundle directory the shim was started in.
   *
   * @return the bundle directory, absolute
   */
  public Path bundle() {
    return flags.bundlePath();
  }
}
