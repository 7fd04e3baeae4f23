package dev.shim4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds an OCI image layout tarball of one layer, for shims whose containers are not Linux
 * programs (a wasm module, a script for an interpreter): the files given, at the paths given,
 * with the command given. Import it with {@code ctr images import} ({@link #importInto}); the
 * image is named by the {@code io.containerd.image.name} annotation, which ctr 1.6 takes as the
 * reference as it is.
 *
 * <pre>{@code
 * String ref = OciImage.importInto(containerd, "docker.io/me/hello:test",
 *     Map.of("hello.wasm", wasmBytes), List.of("/hello.wasm"));
 * containerd.ctrOk("run", "--rm", "--runtime", launcher.toString(), ref, "c1");
 * }</pre>
 */
public final class OciImage {
    private OciImage() {}

    /**
     * The tarball's bytes: {@code files} (path inside the image, without a leading slash, to its
     * content; mode 0755 so a file can be an entrypoint) with their parent directories, and
     * {@code cmd} as the image's command.
     */
    public static byte[] build(String ref, Map<String, byte[]> files, List<String> cmd) {
        try {
            return layout(ref, layer(files), cmd);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build image " + ref, e);
        }
    }

    /** Builds the image into a file in {@code dir} and imports it into {@code containerd}; returns {@code ref}. */
    public static String importInto(PrivateContainerd containerd, String ref, Map<String, byte[]> files, List<String> cmd) {
        try {
            Path tar = Files.createTempFile(containerd.dir(), "image-", ".tar");
            try {
                Files.write(tar, build(ref, files, cmd));
                containerd.ctrOk("images", "import", tar.toString());
            } finally {
                Files.deleteIfExists(tar);
            }
            return ref;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import image " + ref, e);
        }
    }

    private static byte[] layer(Map<String, byte[]> files) throws IOException {
        var sorted = new TreeMap<String, byte[]>();
        var dirs = new TreeSet<String>();
        for (var e : files.entrySet()) {
            String name = e.getKey().replaceFirst("^/+", "");
            sorted.put(name, e.getValue());
            for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
                dirs.add(name.substring(0, slash));
            }
        }
        var bytes = new ByteArrayOutputStream();
        try (var tar = new TarWriter(bytes)) {
            for (String dir : dirs) {
                tar.directory(dir, 0755);
            }
            for (var e : sorted.entrySet()) {
                tar.file(e.getKey(), 0755, e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    /**
     * An OCI layout tarball of the single {@code layer} (an uncompressed tar) named {@code ref}
     * whose command is {@code cmd}, for the machine's architecture.
     */
    static byte[] layout(String ref, byte[] layer, List<String> cmd) throws IOException {
        String layerDigest = BusyboxImage.sha256(layer);
        byte[] config = json("""
                {"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],\
                "Cmd":[%s],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},\
                "history":[{"created_by":"shim4j testkit"}]}"""
                .formatted(BusyboxImage.goArch(), String.join(",", cmd.stream().map(w -> '"' + w + '"').toList()), layerDigest));
        String configDigest = BusyboxImage.sha256(config);
        byte[] manifest = json("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}"""
                .formatted(configDigest, config.length, layerDigest, layer.length));
        String manifestDigest = BusyboxImage.sha256(manifest);
        byte[] index = json("""
                {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "digest":"sha256:%s","size":%d,"platform":{"architecture":"%s","os":"linux"},\
                "annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}"""
                .formatted(manifestDigest, manifest.length, BusyboxImage.goArch(), ref, ref.substring(ref.lastIndexOf(':') + 1)));

        var bytes = new ByteArrayOutputStream(layer.length + 16384);
        try (var tar = new TarWriter(bytes)) {
            tar.file("oci-layout", 0644, json("{\"imageLayoutVersion\":\"1.0.0\"}"));
            tar.file("index.json", 0644, index);
            tar.directory("blobs", 0755);
            tar.directory("blobs/sha256", 0755);
            tar.file("blobs/sha256/" + layerDigest, 0644, layer);
            tar.file("blobs/sha256/" + configDigest, 0644, config);
            tar.file("blobs/sha256/" + manifestDigest, 0644, manifest);
        }
        return bytes.toByteArray();
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
