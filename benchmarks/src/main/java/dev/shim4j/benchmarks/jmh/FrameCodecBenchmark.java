package dev.shim4j.benchmarks.jmh;

import dev.shim4j.ttrpc.Metadata;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.FrameReader;
import dev.shim4j.ttrpc.wire.WireRequest;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The frame codec alone: encoding a request frame and decoding one from bytes. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {
  @Param({"64", "65536"})
  public int size;

  private byte[] payload;
  private byte[] requestFrame;
  private byte[] responseBody;
  private FrameReader reader;

  /** Serves the same bytes over and over, like a peer sending one frame in a loop. */
  private static final class RepeatingChannel implements ReadableByteChannel {
    private final byte[] bytes;
    private int at;

    RepeatingChannel(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(ByteBuffer dst) {
      int n = 0;
      while (dst.hasRemaining()) {
        int step = Math.min(dst.remaining(), bytes.length - at);
        dst.put(bytes, at, step);
        at = (at + step) % bytes.length;
        n += step;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  @Setup
  public void setup() {
    payload = new byte[size];
    byte[] body = new WireRequest("bench.Echo", "Echo", payload, 1_000_000_000L,
        Metadata.of(Metadata.CONTAINERD_NAMESPACE, "default")).encode();
    requestFrame = new Frame(1, Frame.TYPE_REQUEST, (byte) 0, body).toBytes();
    responseBody = WireResponse.ok(payload).encode();
    reader = new FrameReader(new RepeatingChannel(requestFrame), Frame.MAX_PAYLOAD);
  }

  @Benchmark
  public byte[] encodeRequestFrame() {
    byte[] body = new WireRequest("bench.Echo", "Echo", payload, 1_000_000_000L,
        Metadata.EMPTY).encode();
    return new Frame(1, Frame.TYPE_REQUEST, (byte) 0, body).toBytes();
  }

  @Benchmark
  public WireRequest decodeRequestFrame() throws IOException {
    return WireRequest.decode(reader.read().payload());
  }

  @Benchmark
  public WireResponse responseRoundTrip() throws IOException {
    return WireResponse.decode(WireResponse.ok(payload).encode());
  }

  @Benchmark
  public WireResponse decodeResponse() throws IOException {
    return WireResponse.decode(responseBody);
  }
}
