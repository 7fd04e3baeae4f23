package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class TerminalTest {
  @Test
  void resizesAPtyAndReadsTheSizeBack() throws Exception {
    try (Terminal.Pty pty = Terminal.openPty()) {
      assertThat(pty.slave().toString()).startsWith("/dev/pts/");
      assertThat(Files.exists(pty.slave())).isTrue();
      Terminal.setWindowSize(pty.master(), new Terminal.WindowSize(40, 132));
      assertThat(Terminal.windowSize(pty.master())).isEqualTo(new Terminal.WindowSize(40, 132));
      int slave = Fds.open(pty.slave(), Fds.O_RDWR | Fds.O_NOCTTY);
      try {
        assertThat(Terminal.windowSize(slave)).isEqualTo(new Terminal.WindowSize(40, 132));
      } finally {
        Fds.close(slave);
      }
    }
  }

  @Test
  void aChildOnTheSlaveSeesTheSizeAndWritesToTheMaster() throws Exception {
    try (Terminal.Pty pty = Terminal.openPty()) {
      Terminal.setWindowSize(pty.master(), new Terminal.WindowSize(33, 77));
      int slave = Fds.open(pty.slave(), Fds.O_RDWR | Fds.O_NOCTTY);
      int pid;
      try {
        pid = Spawn.of("sh", "-c", "stty size <&0").fd(0, slave).fd(1, slave).fd(2, slave).newSession().start();
      } finally {
        Fds.close(slave);
      }
      StringBuilder out = new StringBuilder();
      FdInputStream in = new FdInputStream(Fds.dup(pty.master()));
      byte[] buf = new byte[256];
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!out.toString().contains("33 77") && System.nanoTime() < deadline) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      in.close();
      assertThat(out.toString()).contains("33 77");
      assertThat(Processes.waitpid(pid, 0).orElseThrow().exitCode()).isZero();
    }
  }

  @Test
  void windowSizeOfANonTerminalIsEnotty() throws Exception {
    try (Fds.Pipe pipe = Fds.pipe()) {
      assertThatThrownBy(() -> Terminal.windowSize(pipe.readFd()))
          .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTTY))
          .hasMessageContaining("ioctl(TIOCGWINSZ)");
    }
  }
}
