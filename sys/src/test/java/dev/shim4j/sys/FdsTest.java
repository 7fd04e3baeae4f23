package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdsTest {
  @TempDir Path tmp;

  @Test
  void pipeRoundTripThroughStreams() throws Exception {
    Fds.Pipe pipe = Fds.pipe();
    assertThat(Fds.isCloexec(pipe.readFd())).isTrue();
    assertThat(Fds.isCloexec(pipe.writeFd())).isTrue();
    byte[] data = new byte[1 << 20];
    new Random(7).nextBytes(data);
    try (InputStream in = new FdInputStream(pipe.readFd());
        OutputStream out = new FdOutputStream(pipe.writeFd())) {
      var writer = CompletableFuture.runAsync(() -> {
        try (out) {
          out.write(data);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      byte[] got = in.readAllBytes();
      writer.get(10, TimeUnit.SECONDS);
      assertThat(Arrays.equals(got, data)).isTrue();
    }
  }

  @Test
  void closeWakesABlockedReader() throws Exception {
    Fds.Pipe pipe = Fds.pipe();
    FdInputStream in = new FdInputStream(pipe.readFd());
    var reader = CompletableFuture.supplyAsync(() -> {
      try {
        return in.read();
      } catch (IOException e) {
        return -2;
      }
    });
    Thread.sleep(200);
    assertThat(reader).isNotDone();
    in.close();
    assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo(-2);
    Fds.close(pipe.writeFd());
  }

  @Test
  void closeWakesABlockedWriterAndLeaksNoDescriptor() throws Exception {
    long before = openDescriptors();
    Fds.Pipe pipe = Fds.pipe();
    FdOutputStream out = new FdOutputStream(pipe.writeFd());
    var writer = CompletableFuture.supplyAsync(() -> {
      try {
        out.write(new byte[1 << 20]); // far more than the pipe holds: blocks
        return "written";
      } catch (IOException e) {
        return e.getMessage();
      }
    });
    Thread.sleep(200);
    assertThat(writer).isNotDone();
    out.close();
    assertThat(writer.get(5, TimeUnit.SECONDS)).isEqualTo("Stream closed");
    Fds.close(pipe.readFd());
    assertThat(Fds.isOpen(pipe.writeFd())).isFalse();
    assertThat(openDescriptors()).isEqualTo(before);
  }

  private static long openDescriptors() throws IOException {
    try (var list = Files.list(Path.of("/proc/self/fd"))) {
      return list.count();
    }
  }

  @Test
  void writeToAClosedPipeIsEpipe() throws Exception {
    Fds.Pipe pipe = Fds.pipe();
    Fds.close(pipe.readFd());
    try (OutputStream out = new FdOutputStream(pipe.writeFd())) {
      assertThatThrownBy(() -> out.write(1))
          .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPIPE));
    }
  }

  @Test
  void dupAndFlags() throws Exception {
    try (Fds.Pipe pipe = Fds.pipe()) {
      int copy = Fds.dup(pipe.writeFd());
      assertThat(Fds.isCloexec(copy)).isFalse();
      Fds.setCloexec(copy, true);
      assertThat(Fds.isCloexec(copy)).isTrue();
      assertThat(Fds.isNonBlocking(copy)).isFalse();
      Fds.setNonBlocking(copy, true);
      assertThat(Fds.isNonBlocking(pipe.writeFd())).as("shared file description").isTrue();
      int high = Fds.dupCloexec(copy, 200);
      assertThat(high).isGreaterThanOrEqualTo(200);
      int target = Fds.dupCloexec(copy, 300);
      Fds.dup2(pipe.writeFd(), target);
      assertThat(Fds.isCloexec(target)).isFalse();
      Fds.dup3(pipe.writeFd(), target, Fds.O_CLOEXEC);
      assertThat(Fds.isCloexec(target)).isTrue();
      Fds.close(copy);
      Fds.close(high);
      Fds.close(target);
      assertThat(Fds.isOpen(copy)).isFalse();
      assertThatThrownBy(() -> Fds.close(copy)).hasMessage("close " + copy + ": EBADF (9)");
    }
  }

  @Test
  void openReadWriteAndErrors() throws Exception {
    Path file = tmp.resolve("f");
    int fd = Fds.open(file, Fds.O_WRONLY | Fds.O_CREAT | Fds.O_TRUNC, 0600);
    byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
    Fds.writeFully(fd, hello, 0, hello.length);
    Fds.close(fd);
    assertThat(Files.readString(file)).isEqualTo("hello");
    fd = Fds.open(file, Fds.O_RDONLY);
    byte[] buf = new byte[16];
    assertThat(Fds.read(fd, buf, 0, 16)).isEqualTo(5);
    assertThat(Fds.read(fd, buf, 0, 16)).isEqualTo(-1);
    Fds.close(fd);
    assertThatThrownBy(() -> Fds.open(tmp.resolve("missing"), Fds.O_RDONLY))
        .isInstanceOf(SysException.class)
        .hasMessage("open " + tmp.resolve("missing") + ": ENOENT (2)");
  }

  @Test
  void fifoOpenedReadWriteNeverBlocks() throws Exception {
    Path fifo = tmp.resolve("fifo");
    Fds.mkfifo(fifo, 0600);
    int rw = Fds.openFifoReadWrite(fifo);
    int reader = Fds.openFifoNonBlocking(fifo, Fds.O_RDONLY);
    assertThat(Fds.isNonBlocking(reader)).isFalse();
    Fds.writeFully(rw, new byte[] {42}, 0, 1);
    byte[] buf = new byte[1];
    assertThat(Fds.read(reader, buf, 0, 1)).isEqualTo(1);
    assertThat(buf[0]).isEqualTo((byte) 42);
    Fds.close(reader);
    Fds.close(rw);
    Path lonely = tmp.resolve("lonely");
    Fds.mkfifo(lonely, 0600);
    assertThatThrownBy(() -> Fds.openFifoNonBlocking(lonely, Fds.O_WRONLY))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENXIO));
  }

  @Test
  void fifoWriterWaitsForAReaderWithADeadline() throws Exception {
    Path fifo = tmp.resolve("out-fifo");
    Fds.mkfifo(fifo, 0600);
    assertThatThrownBy(() -> Fds.openFifo(fifo, Fds.O_WRONLY, java.time.Duration.ofMillis(100)))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT));
    var writer = CompletableFuture.supplyAsync(() -> {
      try {
        return Fds.openFifo(fifo, Fds.O_WRONLY, java.time.Duration.ofSeconds(10));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(100);
    int reader = Fds.openFifo(fifo, Fds.O_RDONLY, java.time.Duration.ofSeconds(1));
    int w = writer.get(10, TimeUnit.SECONDS);
    assertThat(Fds.isNonBlocking(w)).isFalse();
    Fds.writeFully(w, new byte[] {5}, 0, 1);
    byte[] buf = new byte[1];
    assertThat(Fds.read(reader, buf, 0, 1)).isEqualTo(1);
    Fds.close(w);
    Fds.close(reader);
  }

  @Test
  void pollTimesOutAndSeesData() throws Exception {
    try (Fds.Pipe pipe = Fds.pipe()) {
      assertThat(Fds.poll(pipe.readFd(), Fds.POLLIN, 10)).isZero();
      Fds.writeFully(pipe.writeFd(), new byte[] {1}, 0, 1);
      assertThat(Fds.poll(pipe.readFd(), Fds.POLLIN, 1000) & Fds.POLLIN).isNotZero();
    }
  }
}
