package dev.shim4j.testkit;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A CRI runtime handler (what a pod's {@code runtimeClassName} names) that
 * {@link PrivateContainerd#startWithCri} configures.
 *
 * @param name the handler's name, as RunPodSandbox's {@code runtime_handler} gives it
 * @param runtimeType containerd's runtime type, e.g. {@code io.containerd.runc.v2}
 * @param runtimePath the shim binary to run, if not the one containerd finds on its PATH for the
 *     type ({@code containerd-shim-runc-v2} for {@code io.containerd.runc.v2})
 */
public record CriHandler(String name, String runtimeType, Optional<Path> runtimePath) {

    /** The runtime type of Go's runc shim, the only one containerd gives runc's options as such. */
    public static final String GO_RUNC_TYPE = "io.containerd.runc.v2";

    /** Go's runc shim of the release (containerd's PATH has it first), handler {@code runc}. */
    public static CriHandler goRunc() {
        return new CriHandler("runc", GO_RUNC_TYPE, Optional.empty());
    }

    /** A shim of {@code runtimeType} run from {@code binary} (absolute), handler {@code name}. */
    public static CriHandler shim(String name, String runtimeType, Path binary) {
        return new CriHandler(name, runtimeType, Optional.of(binary.toAbsolutePath()));
    }

    /**
     * Whether containerd hands this runtime runc's options as the runc options message (its
     * {@code options} table holds runc's keys); any other type gets them as a TOML file whose
     * path is the table's {@code ConfigPath}.
     */
    boolean takesRuncOptions() {
        return runtimeType.equals(GO_RUNC_TYPE);
    }
}
