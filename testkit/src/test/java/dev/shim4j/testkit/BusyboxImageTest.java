package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BusyboxImageTest {

    @Test
    void layerIsAValidTarWithBusyboxAndItsApplets(@TempDir Path dir) throws Exception {
        Path layer = dir.resolve("layer.tar");
        Files.write(layer, BusyboxImage.rootfsLayer());

        CtrResult list = Commands.run(List.of("tar", "-tvf", layer.toString()), Map.of(), new byte[0], Duration.ofSeconds(30));

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stderr()).isEmpty();
        assertThat(list.stdout())
                .contains("bin/busybox\n")
                .contains("bin/sh -> busybox")
                .contains("bin/sleep -> busybox")
                .contains("etc/passwd")
                .contains("drwxrwxrwt root/root         0 1970-01-01 00:00 tmp/");
        Path out = Files.createDirectory(dir.resolve("x"));
        CtrResult extract = Commands.run(List.of("tar", "-xf", layer.toString(), "-C", out.toString()), Map.of(),
                new byte[0], Duration.ofSeconds(30));
        assertThat(extract.exitCode()).as(extract.toString()).isZero();
        assertThat(Files.mismatch(out.resolve("bin/busybox"), Path.of("/bin/busybox"))).isEqualTo(-1L);
    }

    @Test
    void layoutIsReproducibleAndDigestsMatchTheBlobs(@TempDir Path dir) throws Exception {
        byte[] first = BusyboxImage.build();
        assertThat(BusyboxImage.build()).isEqualTo(first);
        Path tar = dir.resolve("oci.tar");
        Files.write(tar, first);
        Path out = Files.createDirectory(dir.resolve("oci"));
        assertThat(Commands.run(List.of("tar", "-xf", tar.toString(), "-C", out.toString()), Map.of(), new byte[0],
                Duration.ofSeconds(30)).exitCode()).isZero();

        assertThat(Files.readString(out.resolve("oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
        String index = Files.readString(out.resolve("index.json"));
        assertThat(index).contains("\"io.containerd.image.name\":\"" + BusyboxImage.REF + "\"");
        try (var blobs = Files.list(out.resolve("blobs/sha256"))) {
            List<Path> all = blobs.toList();
            assertThat(all).hasSize(3);
            for (Path blob : all) {
                assertThat(BusyboxImage.sha256(Files.readAllBytes(blob))).isEqualTo(blob.getFileName().toString());
            }
        }
    }

    @Test
    void tarballIsBuiltOncePerJvm() {
        assertThat(BusyboxImage.tarball()).isSameAs(BusyboxImage.tarball()).exists();
    }
}
