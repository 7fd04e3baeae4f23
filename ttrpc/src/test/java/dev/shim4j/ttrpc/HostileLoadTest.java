package dev.shim4j.ttrpc;

import static dev.shim4j.ttrpc.Echo.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.FrameReader;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile probes of issue 14 against a real server: announced-but-never-sent frames, a peer
 * that floods and never reads, more connections than allowed, stalled partial frames, an accept
 * loop out of file descriptors, thousands of idle connections. Probes whose failure would be an
 * OutOfMemoryError run the server in a child JVM with a small heap that exits on OOM.
 */
@Timeout(300)
class HostileLoadTest {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
  private static final int FLOOD_TYPE = 200; // no such frame type: every frame earns an error

  @TempDir Path dir;

  @Test
  void framesAnnouncedButNotSentCostOnlyWhatArrived() throws Exception {
    // 64 x 4 MiB announced = 256 MiB, eight times the child's heap.
    try (ChildServerProcess child = ChildServerProcess.start(dir, List.of(), List.of("-Xmx32m"));
        Connections conns = new Connections()) {
      concurrently(64, i -> {
        SocketChannel ch = conns.open(child.socket);
        write(ch, header(Frame.MAX_PAYLOAD, 1, Frame.TYPE_REQUEST), new byte[] {0x0a});
        return null;
      });
      Thread.sleep(500); // let every reader take in its byte
      assertServes(child.socket);
      assertThat(child.process.isAlive()).as("child stderr: %s", child.stderr()).isTrue();
      assertThat(child.stderr()).doesNotContain("OutOfMemoryError");
    }
  }

  @Test
  void aPeerThatFloodsWithoutReadingIsPausedAndDrainsWhenItReads() throws Exception {
    Path socket = dir.resolve("flood.sock");
    int flooders = 16;
    int framesEach = 100_000; // 1 MB of headers each: far more than the socket buffers hold
    try (Server server = Server.builder().register(Echo.service()).build().bind(socket);
        Connections conns = new Connections()) {
      List<SocketChannel> channels = concurrently(flooders, i -> conns.open(socket));
      byte[] one = header(0, 1, (byte) FLOOD_TYPE);
      ByteBuffer all = ByteBuffer.allocate(one.length * framesEach);
      for (int i = 0; i < framesEach; i++) {
        all.put(one);
      }
      // Each flooder writes without blocking until the server has stopped taking its bytes.
      List<ByteBuffer> rests = concurrently(flooders, i -> {
        SocketChannel ch = channels.get(i);
        ByteBuffer b = all.duplicate().flip();
        ch.configureBlocking(false);
        long lastProgress = System.nanoTime();
        while (b.hasRemaining()
            && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(2)) {
          if (ch.write(b) > 0) {
            lastProgress = System.nanoTime();
          } else {
            Thread.sleep(5);
          }
        }
        return b;
      });
      for (ByteBuffer rest : rests) {
        assertThat(rest.remaining()).as("bytes the server left unread").isPositive();
      }
      // ...because it stopped at the bound, not because it fell behind.
      assertThat(server.unansweredWork())
          .isLessThanOrEqualTo(flooders * ServerConnection.MAX_UNANSWERED);
      // Paused flooders do not stop the server from serving others.
      assertServes(socket);
      // Reading the answers lets the server go on: every frame is answered, in order.
      List<Integer> answered = concurrently(flooders, i -> {
        SocketChannel ch = channels.get(i);
        ch.configureBlocking(true);
        ByteBuffer rest = rests.get(i);
        Thread writer = Thread.ofVirtual().start(() -> {
          try {
            while (rest.hasRemaining()) {
              ch.write(rest);
            }
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });
        FrameReader reader = new FrameReader(ch, Frame.MAX_PAYLOAD);
        int n = 0;
        while (n < framesEach) {
          Frame f = reader.read();
          assertThat(f).as("answer %d", n).isNotNull();
          WireResponse r = WireResponse.decode(f.payload());
          if (n == 0) {
            assertThat(r.status().message()).contains("unexpected frame type " + FLOOD_TYPE);
          }
          assertThat(Code.of(r.status().code())).isEqualTo(Code.INVALID_ARGUMENT);
          n++;
        }
        writer.join();
        return n;
      });
      assertThat(answered).containsOnly(framesEach);
      assertServes(socket);
    }
  }

  @Test
  void aStreamToAPeerThatDoesNotReadWaitsForRoom() throws Exception {
    Path socket = dir.resolve("stream.sock");
    int messages = 400;
    byte[] big = new byte[64 * 1024];
    ServiceDefinition firehose = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> req)
        .serverStreaming(Echo.SERVER_STREAM, (ctx, req, out) -> {
          for (int i = 0; i < messages; i++) {
            out.send(s(new String(big, java.nio.charset.StandardCharsets.ISO_8859_1)));
          }
        }).build();
    int streams = 10;
    try (Server server = Server.builder().register(firehose).maxMessageSize(256 * 1024).build()
        .bind(socket); Connections conns = new Connections()) {
      // Ten streams of 400 x 64 KiB (25 MiB each) to peers that do not read yet.
      List<RawConnection> peers = concurrently(streams, i -> {
        RawConnection raw = conns.add(RawConnection.connect(socket));
        raw.request(1, (byte) 0, Echo.SERVICE, "Split", s("go").toByteArray());
        return raw;
      });
      Thread.sleep(2000);
      long bound = 2L * (256 * 1024 + Frame.HEADER_SIZE) + big.length + 64;
      assertThat(server.queuedAnswerBytes()).isLessThanOrEqualTo(streams * bound);
      assertServes(socket);
      List<Integer> received = concurrently(streams, i -> {
        int n = 0;
        for (Frame f = peers.get(i).read(); f != null; f = peers.get(i).read()) {
          if (f.hasFlag(Frame.FLAG_REMOTE_CLOSED)) {
            break;
          }
          n++;
        }
        return n;
      });
      assertThat(received).containsOnly(messages);
    }
  }

  @Test
  void connectionsOverTheLimitAreClosedAtOnceAndServiceResumesWhenOthersClose()
      throws Exception {
    Path socket = dir.resolve("limit.sock");
    int limit = 32;
    try (Server server = Server.builder().register(Echo.service()).maxConnections(limit).build()
        .bind(socket); Connections conns = new Connections()) {
      List<Client> admitted = concurrently(limit, i -> {
        Client c = conns.add(Client.connect(socket));
        assertThat(c.call(Echo.UNARY, s("in" + i), CallOptions.timeout(CALL_TIMEOUT)).getValue())
            .isEqualTo("in" + i);
        return c;
      });
      List<Boolean> refused = concurrently(16, i -> {
        try (RawConnection raw = RawConnection.connect(socket)) {
          return raw.read() == null; // end of stream: closed at once, not left hanging
        }
      });
      assertThat(refused).containsOnly(true);
      for (Client c : admitted.subList(0, 8)) {
        c.close();
      }
      assertServes(socket);
      // The survivors were not disturbed.
      for (Client c : admitted.subList(8, limit)) {
        assertThat(c.call(Echo.UNARY, s("still"), CallOptions.timeout(CALL_TIMEOUT)).getValue())
            .isEqualTo("still");
      }
    }
  }

  @Test
  void aStalledPartialFrameClosesItsConnectionButIdleConnectionsStay() throws Exception {
    Path socket = dir.resolve("stall.sock");
    try (Server server = Server.builder().register(Echo.service())
        .frameStallTimeout(Duration.ofMillis(300)).build().bind(socket);
        Connections conns = new Connections()) {
      byte[] head = header(100, 1, Frame.TYPE_REQUEST);
      List<RawConnection> stalled = concurrently(20, i -> {
        RawConnection raw = conns.add(RawConnection.connect(socket));
        // Half stop inside the header, half inside the payload.
        raw.write(i % 2 == 0 ? java.util.Arrays.copyOf(head, 5)
            : java.util.Arrays.copyOf(head, head.length + 20));
        return raw;
      });
      List<RawConnection> idle = concurrently(10, i -> conns.add(RawConnection.connect(socket)));
      List<Client> idleAfterCall = concurrently(10, i -> {
        Client c = conns.add(Client.connect(socket));
        c.call(Echo.UNARY, s("before"), CallOptions.timeout(CALL_TIMEOUT));
        return c;
      });
      for (RawConnection raw : stalled) {
        assertThat(raw.read()).as("stalled connection closed by the server").isNull();
      }
      Thread.sleep(1000); // idle for longer than the stall timeout, several times over
      concurrently(idle.size(), i -> {
        idle.get(i).request(1, (byte) 0, Echo.SERVICE, "Echo", s("idle").toByteArray());
        assertThat(idle.get(i).response(1).isOk()).isTrue();
        return null;
      });
      concurrently(idleAfterCall.size(), i -> idleAfterCall.get(i)
          .call(Echo.UNARY, s("after"), CallOptions.timeout(CALL_TIMEOUT)));
    }
  }

  @Test
  void theAcceptLoopSurvivesRunningOutOfFileDescriptors() throws Exception {
    try (ChildServerProcess child = ChildServerProcess.start(dir,
        List.of("prlimit", "--nofile=200:200", "--"), List.of("-Xmx64m"));
        Connections conns = new Connections()) {
      // 400 connections against 200 descriptors: the listen backlog takes them all, and the
      // server's accept fails with EMFILE once its descriptors run out.
      concurrently(20, i -> {
        for (int k = 0; k < 20; k++) {
          conns.open(child.socket);
        }
        return null;
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (child.openFiles() < 195 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(child.openFiles()).as("the server's descriptors in use (limit 200)")
          .isGreaterThanOrEqualTo(195);
      Thread.sleep(1000); // accept fails with EMFILE meanwhile, again and again
      conns.close();
      assertServes(child.socket);
      assertThat(child.process.isAlive()).isTrue();
    }
  }

  @Test
  void noErrorEndsTheAcceptLoop() throws Exception {
    Path socket = dir.resolve("errors.sock");
    java.util.concurrent.atomic.AtomicInteger failuresLeft =
        new java.util.concurrent.atomic.AtomicInteger(6);
    // The policy runs inside the accept loop: the first connections make it throw, half with
    // an Error like the OutOfMemoryError that used to end the loop for good.
    PeerPolicy failing = peer -> {
      int left = failuresLeft.getAndDecrement();
      if (left > 0) {
        if (left % 2 == 0) {
          throw new OutOfMemoryError("injected by the test");
        }
        throw new IllegalStateException("injected by the test");
      }
      return true;
    };
    try (Server server = Server.builder().register(Echo.service()).peerPolicy(failing).build()
        .bind(socket); Connections conns = new Connections()) {
      // Twenty at once: six meet the failures (closed), the others are served.
      List<Boolean> closed = concurrently(20, i -> {
        try (RawConnection raw = RawConnection.connect(socket)) {
          raw.request(1, (byte) 0, Echo.SERVICE, "Echo", s("x").toByteArray());
          return raw.read() == null;
        }
      });
      assertThat(closed.stream().filter(c -> c).count()).isEqualTo(6);
      assertServes(socket);
      concurrently(20, i -> {
        try (Client c = Client.connect(socket)) {
          return c.call(Echo.UNARY, s("after"), CallOptions.timeout(CALL_TIMEOUT));
        }
      });
    }
  }

  @Test
  void thousandsOfIdleConnectionsCostLittle() throws Exception {
    int n = 2000;
    try (ChildServerProcess child = ChildServerProcess.start(dir, List.of(), List.of("-Xmx32m"));
        Connections conns = new Connections()) {
      assertServes(child.socket);
      long before = child.rssKib();
      concurrently(20, i -> {
        for (int k = 0; k < n / 20; k++) {
          conns.open(child.socket);
        }
        return null;
      });
      assertServes(child.socket);
      long after = child.rssKib();
      System.out.printf("%d idle connections: child RSS %d -> %d KiB (%.1f KiB each)%n", n,
          before, after, (after - before) / (double) n);
      assertThat(child.process.isAlive()).as("child stderr: %s", child.stderr()).isTrue();
      assertThat(child.stderr()).doesNotContain("OutOfMemoryError");
    }
  }

  // ---------------------------------------------------------------------------------------

  /** A normal call on a new connection succeeds (retried: closing connections takes a moment). */
  static void assertServes(Path socket) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try (Client c = Client.connect(socket)) {
        assertThat(c.call(Echo.UNARY, s("served"), CallOptions.timeout(CALL_TIMEOUT)).getValue())
            .isEqualTo("served");
        return;
      } catch (Exception | AssertionError e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new AssertionError("the server no longer serves", last);
  }

  static byte[] header(int length, int streamId, byte type) {
    return ByteBuffer.allocate(Frame.HEADER_SIZE).putInt(length).putInt(streamId).put(type)
        .put((byte) 0).array();
  }

  private static void write(SocketChannel ch, byte[]... parts) throws IOException {
    for (byte[] p : parts) {
      ByteBuffer b = ByteBuffer.wrap(p);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
  }

  interface Task<T> {
    T run(int index) throws Exception;
  }

  /** Runs {@code n} tasks at once on virtual threads; their results in order. */
  static <T> List<T> concurrently(int n, Task<T> task) throws Exception {
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Callable<T>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        calls.add(() -> task.run(index));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : ex.invokeAll(calls)) {
        out.add(f.get());
      }
      return out;
    }
  }

  /** Everything a test opened, closed at its end. */
  static final class Connections implements AutoCloseable {
    private final List<AutoCloseable> open = Collections.synchronizedList(new ArrayList<>());

    /**
     * Connects, retrying for a while when the listener's backlog is full: a virtual thread's
     * connect does not wait there, it fails with EAGAIN.
     */
    SocketChannel open(Path socket) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        open.add(ch);
        try {
          ch.connect(UnixDomainSocketAddress.of(socket));
          return ch;
        } catch (IOException e) {
          ch.close();
          if (!String.valueOf(e.getMessage()).contains("temporarily unavailable")
              || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(10);
        }
      }
    }

    <C extends AutoCloseable> C add(C c) {
      open.add(c);
      return c;
    }

    @Override
    public void close() {
      List<AutoCloseable> all;
      synchronized (open) {
        all = new ArrayList<>(open);
        open.clear();
      }
      for (AutoCloseable c : all) {
        try {
          c.close();
        } catch (Exception ignored) {
          // best effort
        }
      }
    }
  }
}
