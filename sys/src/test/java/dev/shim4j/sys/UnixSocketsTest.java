package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketsTest {
  @TempDir Path tmp;

  @Test
  void listenConnectAcceptAndPeerCredentials() throws Exception {
    Path path = tmp.resolve("s.sock");
    int listener = UnixSockets.listen(path, 8);
    try {
      int client = UnixSockets.connect(path);
      int server = UnixSockets.accept(listener, Duration.ofSeconds(5));
      var cred = UnixSockets.peerCredentials(server);
      assertThat(cred.pid()).isEqualTo(Processes.getpid());
      assertThat(cred.uid()).isEqualTo(Processes.getuid());
      assertThat(cred.gid()).isEqualTo(Processes.getgid());
      Fds.writeFully(client, new byte[] {7}, 0, 1);
      byte[] buf = new byte[1];
      assertThat(Fds.read(server, buf, 0, 1)).isEqualTo(1);
      Fds.close(client);
      Fds.close(server);
    } finally {
      Fds.close(listener);
    }
  }

  @Test
  void acceptTimesOut() throws Exception {
    int listener = UnixSockets.listen(tmp.resolve("t.sock"), 1);
    try {
      assertThatThrownBy(() -> UnixSockets.accept(listener, Duration.ofMillis(50)))
          .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
    } finally {
      Fds.close(listener);
    }
  }

  @Test
  void bindToAnExistingPathIsEaddrinuse() throws Exception {
    Path path = tmp.resolve("u.sock");
    int first = UnixSockets.listen(path, 1);
    try {
      assertThatThrownBy(() -> UnixSockets.listen(path, 1))
          .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EADDRINUSE));
      assertThatThrownBy(() -> UnixSockets.connect(tmp.resolve("nobody.sock")))
          .hasMessageContaining("connect").hasMessageContaining("ENOENT");
      assertThatThrownBy(() -> UnixSockets.connect(tmp.resolve("x".repeat(120))))
          .hasMessageContaining("ENAMETOOLONG");
    } finally {
      Fds.close(first);
    }
  }

  @Test
  void scmRightsPassesADescriptor() throws Exception {
    Path file = tmp.resolve("payload");
    Files.writeString(file, "through the socket");
    try (UnixSockets.Pair pair = UnixSockets.socketPair()) {
      int fd = Fds.open(file, Fds.O_RDONLY);
      UnixSockets.sendFd(pair.first(), fd, "/dev/ptmx".getBytes(StandardCharsets.UTF_8));
      Fds.close(fd);
      UnixSockets.ReceivedFd got = UnixSockets.receiveFd(pair.second(), 4096);
      assertThat(got.text()).isEqualTo("/dev/ptmx");
      assertThat(got.fd()).isNotNegative();
      assertThat(Fds.isCloexec(got.fd())).isTrue();
      try (InputStream in = new FdInputStream(got.fd())) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("through the socket");
      }
    }
  }

  @Test
  void receiveFromAClosedPeerIsAnError() throws Exception {
    UnixSockets.Pair pair = UnixSockets.socketPair();
    Fds.close(pair.first());
    assertThatThrownBy(() -> UnixSockets.receiveFd(pair.second(), 16))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ECONNRESET));
    Fds.close(pair.second());
  }

  /**
   * The shim daemon gets its listener as fd 0 and picks it up with System.inheritedChannel():
   * a child JVM proves the JDK hands back a ServerSocketChannel for a Unix listener.
   */
  @Test
  void childJvmServesAListenerInheritedAsStdin() throws Exception {
    Path source = tmp.resolve("Inherited.java");
    Files.writeString(source, """
        import java.nio.ByteBuffer;
        import java.nio.channels.*;
        public class Inherited {
          public static void main(String[] a) throws Exception {
            Channel ch = System.inheritedChannel();
            if (!(ch instanceof ServerSocketChannel ssc)) { System.exit(3); return; }
            try (SocketChannel c = ssc.accept()) {
              c.write(ByteBuffer.wrap(("served " + ssc.getLocalAddress()).getBytes()));
            }
          }
        }
        """);
    Path sock = tmp.resolve("inh.sock");
    int listener = UnixSockets.listen(sock, 8);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    int pid;
    try {
      pid = Spawn.of(java, "-Xshare:auto", source.toString()).fd(0, listener).newSession().start();
    } finally {
      Fds.close(listener);
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(sock));
      ByteBuffer buf = ByteBuffer.allocate(1024);
      while (ch.read(buf) >= 0) {
        // until the child closes
      }
      assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8))
          .isEqualTo("served " + sock);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      var status = Processes.waitpid(pid, Processes.WNOHANG);
      if (status.isPresent()) {
        assertThat(status.get().exited()).as(status.get().toString()).isTrue();
        assertThat(status.get().exitCode()).isZero();
        break;
      }
      assertThat(System.nanoTime() < deadline).as("child JVM exits").isTrue();
      Thread.sleep(50);
    }
  }
}
