package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimAddressTest {
  /** sha256sum computes the digest independently of the JDK's MessageDigest. */
  private static String sha256sum(String text) throws Exception {
    Process p = new ProcessBuilder("sha256sum").start();
    try (var in = p.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out.split(" ")[0];
  }

  @Test
  void matchesGoSocketAddress() throws Exception {
    String expected = "unix:///run/containerd/s/"
        + sha256sum("/run/containerd/containerd.sock/default/c1");
    assertThat(ShimAddress.of("/run/containerd/containerd.sock", "default", "c1")).isEqualTo(expected);
  }

  @Test
  void groupKeyChoosesTheSocket() throws Exception {
    String a = ShimAddress.of("/run/containerd/containerd.sock", "k8s.io", "sandbox-1");
    assertThat(a).isEqualTo("unix:///run/containerd/s/"
        + sha256sum("/run/containerd/containerd.sock/k8s.io/sandbox-1"));
    assertThat(a).isNotEqualTo(ShimAddress.of("/run/containerd/containerd.sock", "k8s.io", "sandbox-2"));
    // Go joins and cleans the path: a trailing slash changes nothing.
    assertThat(ShimAddress.of("/run/containerd/containerd.sock/", "k8s.io", "sandbox-1")).isEqualTo(a);
    assertThat(a.length() - "unix://".length()).isLessThanOrEqualTo(106);
  }

  @Test
  void honoursAnotherSocketDirectory() throws Exception {
    assertThat(ShimAddress.of("/c.sock", "ns", "id", Path.of("/tmp/s")))
        .isEqualTo("unix:///tmp/s/" + sha256sum("/c.sock/ns/id"));
  }

  @Test
  void pathOfStripsTheScheme() {
    assertThat(ShimAddress.pathOf("unix:///run/x")).isEqualTo(Path.of("/run/x"));
    assertThat(ShimAddress.pathOf("/run/x")).isEqualTo(Path.of("/run/x"));
  }

  @Test
  void tellsALiveSocketFromAStaleFile(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("s");
    assertThat(ShimAddress.isServed(socket)).isFalse();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      assertThat(ShimAddress.isServed(socket)).isTrue();
    }
    assertThat(Files.exists(socket)).as("closing leaves the file behind").isTrue();
    assertThat(ShimAddress.isServed(socket)).isFalse();
  }
}
