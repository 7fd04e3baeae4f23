package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fd streams on virtual threads must park, not pin their carriers. */
class VirtualThreadIoTest {
  private static final int READERS = 64; // far more than the carriers of a small machine

  @TempDir Path tmp;

  @Test
  void manyBlockedVirtualReadersDoNotPinTheCarriers() throws Exception {
    List<Fds.Pipe> pipes = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      pipes.add(Fds.pipe());
    }
    CountDownLatch allReading = new CountDownLatch(READERS);
    ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor();
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (Fds.Pipe pipe : pipes) {
        results.add(vts.submit(() -> {
          try (FdInputStream in = new FdInputStream(pipe.readFd())) {
            allReading.countDown();
            return in.read();
          }
        }));
      }
      // with pinned carriers only a couple of readers would ever start
      assertThat(allReading.await(20, TimeUnit.SECONDS)).as("every virtual reader got to run").isTrue();
      Thread.sleep(200);
      for (int i = 0; i < READERS; i++) {
        Fds.writeFully(pipes.get(i).writeFd(), new byte[] {(byte) i}, 0, 1);
      }
      for (int i = 0; i < READERS; i++) {
        assertThat(results.get(i).get(20, TimeUnit.SECONDS)).isEqualTo(i);
      }
    } finally {
      // end of file for any reader still blocked, so a failure cannot hang the test JVM
      pipes.forEach(p -> Fds.closeQuietly(p.writeFd()));
      vts.shutdown();
    }
  }

  @Test
  void bulkTransferBetweenVirtualThreads() throws Exception {
    byte[] data = new byte[4 << 20];
    new Random(3).nextBytes(data);
    Fds.Pipe pipe = Fds.pipe();
    ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor();
    try {
      Future<?> writer = vts.submit(() -> {
        try (FdOutputStream out = new FdOutputStream(pipe.writeFd())) {
          out.write(data);
        }
        return null;
      });
      Future<byte[]> reader = vts.submit(() -> {
        try (FdInputStream in = new FdInputStream(pipe.readFd())) {
          return in.readAllBytes();
        }
      });
      writer.get(30, TimeUnit.SECONDS);
      assertThat(Arrays.equals(reader.get(30, TimeUnit.SECONDS), data)).isTrue();
    } finally {
      vts.shutdownNow(); // never wait here: a stuck copy must fail the test, not hang it
    }
  }

  @Test
  void closeWakesAParkedVirtualReader() throws Exception {
    Fds.Pipe pipe = Fds.pipe();
    FdInputStream in = new FdInputStream(pipe.readFd());
    ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor();
    try {
      Future<String> reader = vts.submit(() -> {
        try {
          return "read " + in.read();
        } catch (IOException e) {
          return e.getMessage();
        }
      });
      Thread.sleep(200);
      assertThat(reader).isNotDone();
      in.close();
      assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo("Stream closed");
    } finally {
      Fds.close(pipe.writeFd()); // end of file for the reader if close did not wake it
      vts.shutdown();
    }
  }

  @Test
  void regularFilesAndTimeoutsWorkOnVirtualThreads() throws Exception {
    Path file = tmp.resolve("f");
    java.nio.file.Files.writeString(file, "regular");
    try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<String> read = vts.submit(() -> {
        try (FdInputStream in = new FdInputStream(Fds.open(file, Fds.O_RDONLY))) {
          return new String(in.readAllBytes());
        }
      });
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("regular");
      Future<Long> idle = vts.submit(() -> {
        try (Inotify inotify = Inotify.open()) {
          inotify.addWatch(tmp, Inotify.IN_CREATE);
          long start = System.nanoTime();
          assertThat(inotify.read(Duration.ofMillis(150))).isEmpty();
          return System.nanoTime() - start;
        }
      });
      assertThat(idle.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }
}
