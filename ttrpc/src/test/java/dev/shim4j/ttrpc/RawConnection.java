package dev.shim4j.ttrpc;

import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.FrameReader;
import dev.shim4j.ttrpc.wire.WireRequest;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A hand-driven ttrpc peer for sending bytes no well-behaved client would send. */
final class RawConnection implements AutoCloseable {
  final SocketChannel channel;
  private final FrameReader reader;

  RawConnection(SocketChannel channel) {
    this.channel = channel;
    this.reader = new FrameReader(channel, 64 << 20);
  }

  static RawConnection connect(Path socket) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    return new RawConnection(ch);
  }

  void write(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  void write(Frame frame) throws IOException {
    write(frame.toBytes());
  }

  void request(int id, byte flags, String service, String method, byte[] payload)
      throws IOException {
    write(new Frame(id, Frame.TYPE_REQUEST, flags,
        new WireRequest(service, method, payload, 0, Metadata.EMPTY).encode()));
  }

  /** The next frame within 5 s; null at end of stream. */
  Frame read() throws Exception {
    CompletableFuture<Frame> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        f.complete(reader.read());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException) {
        return null; // reset by the peer counts as closed
      }
      throw e;
    } catch (TimeoutException e) {
      throw new AssertionError("no frame within 5 s");
    }
  }

  /** Reads the next frame, expecting a response frame on {@code id}, and decodes it. */
  WireResponse response(int id) throws Exception {
    Frame f = read();
    if (f == null) {
      throw new AssertionError("connection closed, expected a response on stream " + id);
    }
    if (f.type() != Frame.TYPE_RESPONSE || f.streamId() != id) {
      throw new AssertionError("expected a response on stream " + id + ", got " + f);
    }
    return WireResponse.decode(f.payload());
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
