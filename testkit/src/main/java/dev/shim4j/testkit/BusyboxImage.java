package dev.shim4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds an OCI image layout tarball holding a one-layer busybox root filesystem made from the
 * host's static {@code /bin/busybox}, so end-to-end tests need no registry. The image is named by
 * the {@code io.containerd.image.name} annotation, which {@code ctr images import} (1.6) uses as
 * the image reference as it is.
 */
public final class BusyboxImage {

    /** The reference the image is imported under. */
    public static final String REF = "docker.io/shim4j/busybox:test";
    /**
     * The pause-like image's reference: busybox whose command sleeps until it is killed, what a
     * CRI pod's sandbox container runs (CRI stops a sandbox with SIGKILL).
     */
    public static final String PAUSE_REF = "docker.io/shim4j/pause:test";
    private static final List<String> PAUSE_CMD = List.of("/bin/sleep", "2147483647");

    static final Path BUSYBOX = Path.of("/bin/busybox");

    /** Applets linked even if {@code busybox --list} fails: what the tests rely on. */
    private static final List<String> ESSENTIAL_APPLETS = List.of(
            "sh", "echo", "cat", "sleep", "true", "false", "ls", "ps", "head", "tail", "wc", "dd", "yes",
            "env", "id", "kill", "mkdir", "rm", "touch", "grep", "seq", "printf", "test", "hostname", "stty",
            "tty", "mount", "date", "uname", "find");

    private static final Map<String, Path> CACHED = new java.util.HashMap<>();

    private BusyboxImage() {}

    /** The OCI layout tarball, built once per JVM and deleted when the JVM exits. */
    public static Path tarball() {
        return tarball(REF, List.of("/bin/sh"));
    }

    /** The pause-like image's tarball ({@link #PAUSE_REF}), like {@link #tarball()}. */
    public static Path pauseTarball() {
        return tarball(PAUSE_REF, PAUSE_CMD);
    }

    private static synchronized Path tarball(String ref, List<String> cmd) {
        Path cached = CACHED.get(ref);
        if (cached == null) {
            try {
                Path dir = Files.createTempDirectory(Path.of("/tmp"), "s4j-img-");
                Path tar = dir.resolve("busybox-oci.tar");
                Files.write(tar, build(ref, cmd));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Files.deleteIfExists(tar);
                        Files.deleteIfExists(dir);
                    } catch (IOException ignored) {
                        // Best effort: /tmp is cleaned eventually anyway.
                    }
                }));
                cached = tar;
                CACHED.put(ref, tar);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot build the busybox OCI image", e);
            }
        }
        return cached;
    }

    /** The whole OCI layout tarball of the busybox image, in memory (about 2 MB). */
    static byte[] build() throws IOException {
        return build(REF, List.of("/bin/sh"));
    }

    /** An OCI layout tarball of the busybox root filesystem named {@code ref} whose command is {@code cmd}. */
    static byte[] build(String ref, List<String> cmd) throws IOException {
        return OciImage.layout(ref, rootfsLayer(), cmd);
    }

    /** The root filesystem: busybox, a symlink per applet, the usual empty dirs, root's passwd. */
    static byte[] rootfsLayer() throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: install the busybox-static package");
        }
        var bytes = new ByteArrayOutputStream(3 << 20);
        try (var tar = new TarWriter(bytes)) {
            tar.directory("bin", 0755);
            tar.file("bin/busybox", 0755, Files.readAllBytes(BUSYBOX));
            for (String applet : applets()) {
                tar.symlink("bin/" + applet, "busybox");
            }
            for (String dir : List.of("dev", "proc", "sys", "root", "etc", "run", "var")) {
                tar.directory(dir, 0755);
            }
            tar.directory("tmp", 01777);
            tar.file("etc/passwd", 0644, ("root:x:0:0:root:/root:/bin/sh\n"
                    + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8));
            tar.file("etc/group", 0644, "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** Every applet this busybox has (sorted, so the layer is reproducible), plus the essentials. */
    private static List<String> applets() {
        var names = new TreeSet<>(ESSENTIAL_APPLETS);
        CtrResult list = Commands.run(List.of(BUSYBOX.toString(), "--list"), Map.of(), new byte[0], Duration.ofSeconds(10));
        if (list.ok()) {
            list.lines().stream().filter(n -> n.matches("[A-Za-z0-9_.\\[\\]-]+") && !n.equals("busybox")).forEach(names::add);
        }
        return new ArrayList<>(names);
    }

    /** The architecture in Go's spelling, as OCI platforms use it. */
    static String goArch() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case String other -> other;
        };
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
