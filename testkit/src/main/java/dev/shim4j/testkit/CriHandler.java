package dev.shim4j.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A CRI runtime handler (what a pod's {@code runtimeClassName} names) that
 * {@link PrivateContainerd#startWithCri} configures.
 *
 * @param name the handler's name, as RunPodSandbox's {@code runtime_handler} gives it
 * @param runtimeType containerd's runtime type, e.g. {@code io.containerd.runc.v2}
 * @param binary the shim binary, if not the release's own: its directory goes first on
 *     containerd's PATH, where containerd looks up the type's binary (type
 *     {@code io.containerd.NAME.vN} runs {@code containerd-shim-NAME-vN}) as on a node. 1.7 and
 *     2.x would also take CRI's {@code runtime_path}; 1.6.20's CRI ignores it.
 * @param podAnnotations the pod annotations (keys, {@code *} as a wildcard) that CRI passes into
 *     the OCI specs of the pod's sandbox and containers for this handler ({@code pod_annotations})
 */
public record CriHandler(String name, String runtimeType, Optional<Path> binary, List<String> podAnnotations) {

    public CriHandler {
        podAnnotations = List.copyOf(podAnnotations);
        binary.ifPresent(b -> {
            if (!b.getFileName().toString().equals(binaryName(runtimeType))) {
                throw new IllegalArgumentException("containerd runs " + binaryName(runtimeType)
                        + " for " + runtimeType + ", not " + b.getFileName());
            }
        });
    }

    /** The runtime type of Go's runc shim, the only one containerd gives runc's options as such. */
    public static final String GO_RUNC_TYPE = "io.containerd.runc.v2";

    /** Go's runc shim of the release (containerd's PATH has it first), handler {@code runc}. */
    public static CriHandler goRunc() {
        return new CriHandler("runc", GO_RUNC_TYPE, Optional.empty(), List.of());
    }

    /**
     * A shim of {@code runtimeType} run from {@code binary} (absolute), handler {@code name}; the
     * binary's file name must be the one containerd looks up for the type.
     */
    public static CriHandler shim(String name, String runtimeType, Path binary) {
        return new CriHandler(name, runtimeType, Optional.of(binary.toAbsolutePath()), List.of());
    }

    /** This handler passing the pod annotations {@code keys} on to its shim (see the record's comment). */
    public CriHandler withPodAnnotations(String... keys) {
        return new CriHandler(name, runtimeType, binary, List.of(keys));
    }

    /** The binary containerd runs for {@code io.containerd.NAME.vN}: {@code containerd-shim-NAME-vN}. */
    static String binaryName(String runtimeType) {
        String[] parts = runtimeType.split("\\.");
        if (parts.length != 4 || !parts[0].equals("io") || !parts[1].equals("containerd")) {
            throw new IllegalArgumentException("not a runtime type io.containerd.NAME.VERSION: " + runtimeType);
        }
        return "containerd-shim-" + parts[2] + "-" + parts[3];
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
