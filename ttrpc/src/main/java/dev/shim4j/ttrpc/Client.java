package dev.shim4j.ttrpc;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A ttrpc client: one Unix socket connection multiplexed by any number of concurrent callers.
 * Stream ids are odd and increasing, allocated and written under one lock. When the connection
 * drops, every pending call fails promptly with UNAVAILABLE.
 *
 * <pre>{@code
 * try (Client client = Client.connect("unix:///run/containerd/s/abc")) {
 *   var task = new TaskTtrpc.Client(client);
 *   ConnectResponse r = task.connect(ConnectRequest.newBuilder().setId("c1").build());
 * }
 * }</pre>
 */
public final class Client implements AutoCloseable {

  /** Connects to {@code unix:///path}, {@code unix://path} or a plain path. */
  public static Client connect(String address) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public static Client connect(Path socket) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** A client over an already-connected channel. */
  public static Client over(SocketChannel channel) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** A unary call; throws TtrpcException for a non-OK status (DEADLINE_EXCEEDED on timeout). */
  public <Req, Resp> Resp call(MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public <Req, Resp> Resp call(MethodDescriptor<Req, Resp> method, Req request) {
    return call(method, request, CallOptions.DEFAULT);
  }

  public <Req, Resp> StreamReceiver<Resp> serverStream(
      MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public <Req, Resp> ClientStreamCall<Req, Resp> clientStream(
      MethodDescriptor<Req, Resp> method, CallOptions options) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public <Req, Resp> BidiStreamCall<Req, Resp> bidiStream(
      MethodDescriptor<Req, Resp> method, CallOptions options) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Runs {@code callback} once when the connection closes, for whatever reason. */
  public Client onClose(Runnable callback) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public boolean isOpen() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
