package dev.shim4j.shim;

import com.google.protobuf.Any;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@link Shim#startShim} needs to start (or find) the daemon.
 *
 * @param id the container id
 * @param namespace the containerd namespace
 * @param containerdAddress containerd's gRPC socket; part of the socket address hash
 * @param ttrpcAddress containerd's ttrpc socket, for events
 * @param publishBinary the containerd binary, for the publish fallback
 * @param bundle the bundle directory (the daemon runs there)
 * @param debug containerd asked for debug logs
 * @param options the runtime options containerd passed on stdin (from BootstrapParams'
 *     extensions on 2.3+, or the bare Any of older versions); empty when none
 * @param socketDir where the daemon's socket goes: {@code /run/containerd/s} unless containerd
 *     (2.3+) chose another
 */
public record StartOpts(
    String id,
    String namespace,
    String containerdAddress,
    String ttrpcAddress,
    String publishBinary,
    Path bundle,
    boolean debug,
    Optional<Any> options,
    Path socketDir) {}
