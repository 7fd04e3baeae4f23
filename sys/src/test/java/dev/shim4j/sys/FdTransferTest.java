package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link FdInputStream#transferTo}: the buffer-less copy stdio copies run on. */
class FdTransferTest {
  private static final int SIZE = 5 * 1024 * 1024 + 123; // many pipe-fulls, not a chunk multiple

  @Test
  void copiesEverythingNativeToNativeOnAVirtualThread() throws Exception {
    byte[] data = new byte[SIZE];
    new Random(42).nextBytes(data);
    Fds.Pipe in = Fds.pipe();
    Fds.Pipe out = Fds.pipe();
    FdInputStream src = new FdInputStream(in.readFd());
    FdOutputStream sink = new FdOutputStream(out.writeFd());
    CompletableFuture<Long> copied = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try (src; sink) {
        copied.complete(src.transferTo(sink));
      } catch (Throwable t) {
        copied.completeExceptionally(t);
      }
    });
    CompletableFuture<byte[]> received = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try (FdInputStream r = new FdInputStream(out.readFd())) {
        received.complete(r.readAllBytes());
      } catch (Throwable t) {
        received.completeExceptionally(t);
      }
    });
    try (FdOutputStream w = new FdOutputStream(in.writeFd())) {
      w.write(data);
    }
    assertThat(copied.get(30, TimeUnit.SECONDS)).isEqualTo(SIZE);
    assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(data);
  }

  @Test
  void copiesIntoAnyOutputStreamOnAPlatformThread() throws Exception {
    byte[] data = new byte[200_000];
    new Random(7).nextBytes(data);
    Fds.Pipe in = Fds.pipe();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    CompletableFuture<Long> copied = new CompletableFuture<>();
    Thread.ofPlatform().start(() -> {
      try (FdInputStream src = new FdInputStream(in.readFd())) {
        copied.complete(src.transferTo(sink));
      } catch (Throwable t) {
        copied.completeExceptionally(t);
      }
    });
    try (FdOutputStream w = new FdOutputStream(in.writeFd())) {
      w.write(data);
    }
    assertThat(copied.get(30, TimeUnit.SECONDS)).isEqualTo(data.length);
    assertThat(sink.toByteArray()).isEqualTo(data);
  }

  @Test
  void closeEndsAnIdleCopyAtOnce() throws Exception {
    Fds.Pipe in = Fds.pipe();
    FdInputStream src = new FdInputStream(in.readFd());
    CompletableFuture<Long> copied = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        copied.complete(src.transferTo(new ByteArrayOutputStream()));
      } catch (Throwable t) {
        copied.completeExceptionally(t);
      }
    });
    Thread.sleep(200);
    assertThat(copied).isNotDone();
    src.close();
    assertThatThrownBy(() -> copied.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class).hasMessageContaining("Stream closed");
    Fds.closeQuietly(in.writeFd());
  }
}
