package dev.shim4j.ttrpc;

import static dev.shim4j.ttrpc.Echo.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.FrameReader;
import dev.shim4j.ttrpc.wire.OversizeFrameException;
import dev.shim4j.ttrpc.wire.WireRequest;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the decoding of what peers send: frames (lengths that lie, any type, any flags,
 * truncation, bytes arriving in dribs), Request and Response bodies, and the server as a whole.
 * Any byte sequence gives valid frames or one of the defined errors, never allocates more than
 * the bytes it got warrant, and never stops the server from serving.
 *
 * <p>A bounded number of inputs per property in CI (junit-platform.properties); more on demand:
 * {@code mvn -pl ttrpc -am verify -Dtest=FrameDecodingFuzzTest -Djqwik.tries.default=200000
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class FrameDecodingFuzzTest {
  /** Bigger than any input, so a reader that trusts an announced length shows up at once. */
  private static final int MAX_PAYLOAD = 4 << 20;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static Path dir;
  private static Server server;
  private static Client client;

  @BeforeContainer
  static void startServer() throws IOException {
    dir = Files.createTempDirectory("ttrpc-fuzz");
    Path socket = dir.resolve("fuzz.sock");
    server = Server.builder().register(Echo.service()).build().bind(socket);
    client = Client.connect(socket);
  }

  @AfterContainer
  static void stopServer() throws IOException {
    client.close();
    server.close();
    Files.deleteIfExists(dir.resolve("fuzz.sock"));
    Files.deleteIfExists(dir);
  }

  @Property
  void theFrameReaderGivesFramesOrADefinedError(@ForAll("wire") byte[] input,
      @ForAll @IntRange(min = 1, max = 4096) int chunk) throws IOException {
    FrameReader reader = new FrameReader(new Dribble(input, chunk), MAX_PAYLOAD);
    long before = THREADS.getCurrentThreadAllocatedBytes();
    while (true) {
      Frame f;
      try {
        f = reader.read();
      } catch (OversizeFrameException e) {
        assertThat(e.length()).isGreaterThan(MAX_PAYLOAD);
        continue; // skipped; the reader stays in step
      } catch (EOFException e) {
        break; // truncated frame
      }
      if (f == null) {
        break;
      }
      assertThat(f.payload().length).isLessThanOrEqualTo(MAX_PAYLOAD);
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    // Buffers and per-read objects, in proportion to the input: never the announced lengths.
    assertThat(allocated).as("bytes allocated decoding %d bytes", input.length)
        .isLessThanOrEqualTo(128 * 1024 + 128L * input.length);
  }

  @Property
  void requestBodiesDecodeOrFailAsInvalidProtobuf(@ForAll("bodies") byte[] body) {
    try {
      WireRequest r = WireRequest.decode(body);
      assertThat(r.payloadOffset()).isBetween(0, body.length);
      assertThat(r.payloadOffset() + r.payloadLength()).isBetween(0, body.length);
      r.payload();
    } catch (InvalidProtocolBufferException expected) {
      // a clean refusal
    }
  }

  @Property
  void responseBodiesDecodeOrFailAsInvalidProtobuf(@ForAll("bodies") byte[] body) {
    try {
      WireResponse r = WireResponse.decode(body);
      assertThat(r.payload().length).isLessThanOrEqualTo(body.length);
    } catch (InvalidProtocolBufferException expected) {
      // a clean refusal
    }
  }

  @Property(tries = 300)
  void theServerAnswersWithFramesAndKeepsServing(@ForAll("wire") byte[] input) throws Exception {
    try (RawConnection raw = RawConnection.connect(dir.resolve("fuzz.sock"))) {
      raw.write(input);
      raw.channel.shutdownOutput();
      // Whatever came back is well-formed frames (RawConnection's reader), then the end.
      CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
        try {
          while (raw.read() != null) {
            // answers to the fuzz; their content depends on the input
          }
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      drained.get(30, TimeUnit.SECONDS);
    }
    assertThat(client.call(Echo.UNARY, s("alive"), CallOptions.timeout(Duration.ofSeconds(20)))
        .getValue()).isEqualTo("alive");
  }

  // ---------------------------------------------------------------------------------------

  @Provide
  Arbitrary<byte[]> wire() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(512),
        frame().list().ofMaxSize(8).map(FrameDecodingFuzzTest::concat),
        frame().list().ofMinSize(1).ofMaxSize(8).map(FrameDecodingFuzzTest::concat)
            .flatMap(b -> Arbitraries.integers().between(0, b.length)
                .map(n -> java.util.Arrays.copyOf(b, n))));
  }

  /** One frame whose length field may tell the truth or lie, with any type and flags. */
  private Arbitrary<byte[]> frame() {
    Arbitrary<byte[]> payload = Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300), bodies());
    Arbitrary<Integer> lie = Arbitraries.oneOf(Arbitraries.just(-1),
        Arbitraries.integers().between(0, Integer.MAX_VALUE),
        Arbitraries.of(0, MAX_PAYLOAD, MAX_PAYLOAD + 1, -2));
    return Combinators.combine(payload, lie, Arbitraries.integers(),
        Arbitraries.of((byte) 1, (byte) 2, (byte) 3, (byte) 0, (byte) 0x80, (byte) 0xff),
        Arbitraries.bytes()).as((p, length, stream, type, flags) -> {
          int announced = length == -1 ? p.length : length;
          return ByteBuffer.allocate(Frame.HEADER_SIZE + p.length).putInt(announced)
              .putInt(stream).put(type).put(flags).put(p).array();
        });
  }

  /** Request-like bodies: valid encodings, mutated ones, and noise. */
  @Provide
  Arbitrary<byte[]> bodies() {
    Arbitrary<byte[]> valid = Combinators.combine(
        Arbitraries.of(Echo.SERVICE, "", "x"), Arbitraries.of("Echo", "Bytes", "Join", "nope"),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(64), Arbitraries.longs())
        .as((svc, m, p, timeout) -> new WireRequest(svc, m, p, timeout,
            Metadata.EMPTY.with("k", "v")).encode());
    Arbitrary<byte[]> mutated = Combinators.combine(valid, Arbitraries.integers().between(0, 99),
        Arbitraries.bytes()).as((b, at, x) -> {
          if (b.length > 0) {
            b[at % b.length] ^= x;
          }
          return b;
        });
    return Arbitraries.oneOf(valid, mutated, Arbitraries.bytes().array(byte[].class)
        .ofMaxSize(128));
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /** Hands out the input at most {@code chunk} bytes per read, as a socket may. */
  private static final class Dribble implements ReadableByteChannel {
    private final ByteBuffer in;
    private final int chunk;

    Dribble(byte[] input, int chunk) {
      this.in = ByteBuffer.wrap(input);
      this.chunk = chunk;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (!in.hasRemaining()) {
        return -1;
      }
      int n = Math.min(chunk, Math.min(dst.remaining(), in.remaining()));
      dst.put(in.slice(in.position(), n));
      in.position(in.position() + n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
