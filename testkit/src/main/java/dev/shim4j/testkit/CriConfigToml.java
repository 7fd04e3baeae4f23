package dev.shim4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CRI part of a private containerd's config: one plugin section in 1.x
 * ({@code io.containerd.grpc.v1.cri}), three in 2.x, which splits CRI into images, runtime and
 * the gRPC service. What every release gets:
 *
 * <ul>
 *   <li>the stream server (exec/attach/port-forward) on 127.0.0.1, port 0, and no TCP service:
 *       nothing listens beyond the loopback and instances never share a port;
 *   <li>{@code restrict_oom_score_adj = true}: CRI asks runc to give containers the sandbox's
 *       oom_score_adj, and root here cannot lower it (runc then fails "can't get final child's
 *       PID from pipe: EOF"); restricted, it is never set below the current value;
 *   <li>the pause-like {@link BusyboxImage#PAUSE_REF} as the sandbox image, imported before any
 *       pod runs, so nothing is pulled;
 *   <li>CNI config and binaries in dirs of the instance's own (empty: pods use the node's
 *       network), network namespaces' mounts under its state, no AppArmor;
 *   <li>each handler's runc state under the instance's own dir ({@code Root}), not
 *       /run/containerd/runc/k8s.io, which every CRI containerd on the machine would share.
 * </ul>
 */
final class CriConfigToml {

    private CriConfigToml() {}

    /** The TOML of the CRI plugins; writes the handlers' runc-options files under {@code dir}. */
    static String sections(ContainerdRelease release, Path dir, List<CriHandler> handlers) {
        Path cni = dir.resolve("cni");
        Path runcRoot = dir.resolve("runc");
        try {
            Files.createDirectories(cni.resolve("bin"));
            Files.createDirectories(cni.resolve("conf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String runtimes = release.atLeast2()
                ? "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes"
                : "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes";
        var handlerToml = new StringBuilder();
        for (CriHandler h : handlers) {
            handlerToml.append("\n[").append(runtimes).append('.').append(h.name()).append("]\n")
                    .append("  runtime_type = ").append(quote(h.runtimeType())).append('\n');
            if (!h.podAnnotations().isEmpty()) {
                handlerToml.append("  pod_annotations = [")
                        .append(String.join(", ", h.podAnnotations().stream().map(CriConfigToml::quote).toList()))
                        .append("]\n");
            }
            handlerToml.append("[").append(runtimes).append('.').append(h.name()).append(".options]\n");
            if (h.takesRuncOptions()) {
                handlerToml.append("  Root = ").append(quote(runcRoot.toString())).append('\n');
            } else {
                Path options = writeRuncOptions(dir.resolve(h.name() + "-runc.toml"), runcRoot);
                handlerToml.append("  ConfigPath = ").append(quote(options.toString())).append('\n');
            }
        }
        String common = """
                  restrict_oom_score_adj = true
                  disable_apparmor = true
                  netns_mounts_under_state_dir = true
                """;
        if (release.atLeast2()) {
            return """

                    [plugins.'io.containerd.grpc.v1.cri']
                      disable_tcp_service = true
                      stream_server_address = '127.0.0.1'
                      stream_server_port = '0'

                    [plugins.'io.containerd.cri.v1.images']
                      snapshotter = 'overlayfs'
                    [plugins.'io.containerd.cri.v1.images'.pinned_images]
                      sandbox = %1$s

                    [plugins.'io.containerd.cri.v1.runtime']
                    %2$s
                    [plugins.'io.containerd.cri.v1.runtime'.cni]
                      bin_dirs = [%3$s]
                      conf_dir = %4$s
                    [plugins.'io.containerd.cri.v1.runtime'.containerd]
                      default_runtime_name = 'runc'
                    %5$s"""
                    .formatted(quote(BusyboxImage.PAUSE_REF), common, quote(cni.resolve("bin").toString()),
                            quote(cni.resolve("conf").toString()), handlerToml);
        }
        return """

                [plugins."io.containerd.grpc.v1.cri"]
                  disable_tcp_service = true
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  sandbox_image = %1$s
                %2$s
                [plugins."io.containerd.grpc.v1.cri".cni]
                  bin_dir = %3$s
                  conf_dir = %4$s
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  default_runtime_name = "runc"
                  snapshotter = "overlayfs"
                %5$s"""
                .formatted(quote(BusyboxImage.PAUSE_REF), common, quote(cni.resolve("bin").toString()),
                        quote(cni.resolve("conf").toString()), handlerToml);
    }

    /** runc's options as TOML, what a runtime other than Go's runc shim reads from ConfigPath. */
    private static Path writeRuncOptions(Path file, Path runcRoot) {
        try {
            Files.writeString(file, "# runc options of one CRI handler (shim4j testkit)\nRoot = "
                    + quote(runcRoot.toString()) + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TOML literal string: paths here have no quote of their own. */
    private static String quote(String s) {
        if (s.contains("'") || s.contains("\n")) {
            throw new IllegalArgumentException("cannot put " + s + " in a TOML literal string");
        }
        return "'" + s + "'";
    }
}
