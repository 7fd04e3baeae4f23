package dev.shim4j.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.FrameReader;
import dev.shim4j.ttrpc.wire.FrameWriter;
import dev.shim4j.ttrpc.wire.OversizeFrameException;
import dev.shim4j.ttrpc.wire.Payload;
import dev.shim4j.ttrpc.wire.WireRequest;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

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
  /** Looked up at each (rare) use: see {@code Server.log()}. */
  private static Logger log() {
    return Logger.getLogger(Client.class.getName());
  }

  private final SocketChannel channel;
  private final FrameWriter writer;
  private final Map<Integer, ClientStream> streams = new ConcurrentHashMap<>();
  private final Object idLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Runnable> closeCallbacks = new CopyOnWriteArrayList<>();
  private final AtomicBoolean callbacksRun = new AtomicBoolean();
  private volatile String closeReason = "connection closed";
  private int nextStreamId = 1; // guarded by idLock

  private Client(SocketChannel channel, int maxMessageSize) {
    this.channel = channel;
    // Callers are threads we do not own and may be interrupted, which would close the channel
    // under a write: a writer thread of our own does the writing. Both threads are virtual: they
    // mostly wait (socket channels park a virtual thread), and a platform thread's stack costs
    // ~100 KB resident in a long-lived shim.
    this.writer = FrameWriter.threaded(channel, maxMessageSize, this::writeFailed,
        Thread.ofVirtual().name("ttrpc-client-writer").factory());
    Thread.ofVirtual().name("ttrpc-client-reader").start(this::readLoop);
  }

  /** Connects to {@code unix:///path}, {@code unix://path} or a plain path. */
  public static Client connect(String address) throws IOException {
    return connect(Path.of(pathOf(address)));
  }

  static String pathOf(String address) {
    if (address.startsWith("unix://")) {
      return address.substring("unix://".length());
    }
    if (address.contains("://")) {
      throw new IllegalArgumentException("not a unix socket address: " + address);
    }
    return address;
  }

  public static Client connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return over(channel);
  }

  /** A client over an already-connected channel. */
  public static Client over(SocketChannel channel) {
    return over(channel, Frame.MAX_PAYLOAD);
  }

  /** A client over an already-connected channel with another frame size limit than 4 MiB. */
  public static Client over(SocketChannel channel, int maxMessageSize) {
    try {
      channel.configureBlocking(true);
    } catch (IOException e) {
      throw new IllegalStateException("cannot make the channel blocking", e);
    }
    return new Client(channel, maxMessageSize);
  }

  /** A unary call; throws TtrpcException for a non-OK status (DEADLINE_EXCEEDED on timeout). */
  public <Req, Resp> Resp call(MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
    WireResponse response = unary(method.service(), method.method(),
        Payload.of(method.requestMarshaller(), request), options);
    try {
      return method.responseMarshaller().decode(response.payloadBuffer(),
          response.payloadOffset(), response.payloadLength());
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcException(Code.INTERNAL,
          "cannot decode " + method.fullName() + " response: " + e.getMessage(), e);
    }
  }

  public <Req, Resp> Resp call(MethodDescriptor<Req, Resp> method, Req request) {
    return call(method, request, CallOptions.DEFAULT);
  }

  /**
   * A unary call on raw payload bytes (already-encoded request, undecoded response), for
   * proxies, tools and benchmarks that need no message types.
   */
  public byte[] callRaw(String service, String method, byte[] request, CallOptions options) {
    return unary(service, method, Payload.of(request), options).payload();
  }

  private WireResponse unary(String service, String method, Payload request,
      CallOptions options) {
    options = options == null ? CallOptions.DEFAULT : options;
    long deadline = deadlineOf(options.timeout());
    ClientStream call = open(service, method, request, options, (byte) 0, deadline,
        MethodType.UNARY);
    WireResponse response = call.awaitResponse(deadline);
    if (!response.isOk()) {
      throw statusException(response);
    }
    return response;
  }

  public <Req, Resp> StreamReceiver<Resp> serverStream(
      MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
    options = options == null ? CallOptions.DEFAULT : options;
    long deadline = deadlineOf(options.timeout());
    ClientStream stream = open(method.service(), method.method(),
        Payload.of(method.requestMarshaller(), request), options, Frame.FLAG_REMOTE_CLOSED, deadline,
        MethodType.SERVER_STREAMING);
    return () -> receiveDecoded(method, stream);
  }

  public <Req, Resp> ClientStreamCall<Req, Resp> clientStream(
      MethodDescriptor<Req, Resp> method, CallOptions options) {
    options = options == null ? CallOptions.DEFAULT : options;
    long deadline = deadlineOf(options.timeout());
    ClientStream stream = open(method.service(), method.method(), Payload.EMPTY, options,
        (byte) (Frame.FLAG_REMOTE_OPEN | Frame.FLAG_NO_DATA), deadline, MethodType.CLIENT_STREAMING);
    return new ClientStreamCall<>() {
      @Override
      public void send(Req message) {
        stream.sendData(method.requestMarshaller().encode(message));
      }

      @Override
      public void closeSend() {
        stream.closeSend();
      }

      @Override
      public Resp response() throws InterruptedException {
        Optional<Resp> first = receiveDecoded(method, stream);
        if (first.isEmpty()) {
          throw new TtrpcException(Code.INTERNAL,
              method.fullName() + ": the server ended the stream without a response");
        }
        return first.get();
      }
    };
  }

  public <Req, Resp> BidiStreamCall<Req, Resp> bidiStream(
      MethodDescriptor<Req, Resp> method, CallOptions options) {
    options = options == null ? CallOptions.DEFAULT : options;
    long deadline = deadlineOf(options.timeout());
    ClientStream stream = open(method.service(), method.method(), Payload.EMPTY, options,
        (byte) (Frame.FLAG_REMOTE_OPEN | Frame.FLAG_NO_DATA), deadline, MethodType.BIDI_STREAMING);
    return new BidiStreamCall<>() {
      @Override
      public void send(Req message) {
        stream.sendData(method.requestMarshaller().encode(message));
      }

      @Override
      public void closeSend() {
        stream.closeSend();
      }

      @Override
      public Optional<Resp> receive() throws InterruptedException {
        return receiveDecoded(method, stream);
      }
    };
  }

  /** Runs {@code callback} once when the connection closes, for whatever reason. */
  public Client onClose(Runnable callback) {
    closeCallbacks.add(callback);
    if (callbacksRun.get() && closeCallbacks.remove(callback)) {
      callback.run(); // registered after the close: run it now, still exactly once
    }
    return this;
  }

  public boolean isOpen() {
    return !closed.get();
  }

  @Override
  public void close() {
    shutdown("client closed");
  }

  // ---------------------------------------------------------------------------------------------

  private static long deadlineOf(Duration timeout) {
    if (timeout == null) {
      return 0;
    }
    long d = System.nanoTime() + Math.max(1, timeout.toNanos());
    return d == 0 ? 1 : d;
  }

  /** Allocates the stream id and queues the request under one lock, so ids hit the wire in order. */
  private ClientStream open(String service, String method, Payload payload, CallOptions options,
      byte flags, long deadline, MethodType type) {
    long timeoutNanos = deadline == 0 ? 0 : Math.max(1, deadline - System.nanoTime());
    byte[] body = WireRequest.encode(service, method, payload, timeoutNanos, options.metadata());
    if (!writer.fits(body.length)) {
      throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "request to " + service + "/" + method
          + " of " + body.length + " bytes exceeds the limit of " + writer.maxPayload()
          + " bytes");
    }
    ClientStream stream = new ClientStream(this, service + "/" + method, type, deadline);
    synchronized (idLock) {
      if (closed.get()) {
        throw TtrpcException.unavailable(closeReason);
      }
      int id = nextStreamId;
      nextStreamId += 2;
      stream.id = id;
      streams.put(id, stream);
      try {
        writer.send(new Frame(id, Frame.TYPE_REQUEST, flags, body));
      } catch (IOException e) {
        streams.remove(id);
        throw new TtrpcException(Code.UNAVAILABLE, "cannot send: " + e.getMessage(), e);
      }
    }
    return stream;
  }

  void sendFrame(Frame frame) {
    if (!writer.fits(frame.payload().length)) {
      throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "message of " + frame.payload().length
          + " bytes exceeds the limit of " + writer.maxPayload() + " bytes");
    }
    try {
      writer.send(frame);
    } catch (IOException e) {
      throw new TtrpcException(Code.UNAVAILABLE, "cannot send: " + e.getMessage(), e);
    }
  }

  void forget(ClientStream stream) {
    streams.remove(stream.id, stream);
  }

  private static <Resp> Resp decode(MethodDescriptor<?, Resp> method, byte[] payload) {
    try {
      return method.responseMarshaller().decode(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcException(Code.INTERNAL,
          "cannot decode " + method.fullName() + " response: " + e.getMessage(), e);
    }
  }

  private static <Resp> Optional<Resp> receiveDecoded(MethodDescriptor<?, Resp> method,
      ClientStream stream) throws InterruptedException {
    byte[] payload = stream.receive();
    return payload == null ? Optional.empty() : Optional.of(decode(method, payload));
  }

  static TtrpcException statusException(WireResponse response) {
    return new TtrpcException(Code.of(response.status().code()), response.status().message(),
        null, response.status().details());
  }

  private void readLoop() {
    FrameReader reader = new FrameReader(channel, writer.maxPayload());
    String reason = "connection closed by the server";
    try {
      while (true) {
        Frame frame;
        try {
          frame = reader.read();
        } catch (OversizeFrameException e) {
          ClientStream s = streams.get(e.streamId());
          if (s != null) {
            s.fail(new TtrpcException(Code.RESOURCE_EXHAUSTED, e.getMessage()));
          }
          continue;
        }
        if (frame == null) {
          break;
        }
        ClientStream s = streams.get(frame.streamId());
        if (s == null) {
          continue; // a late answer to an abandoned call
        }
        switch (frame.type()) {
          case Frame.TYPE_RESPONSE -> s.onResponse(frame.payload());
          case Frame.TYPE_DATA -> s.onData(frame);
          default -> log().fine(
              () -> "ignoring frame of type " + Byte.toUnsignedInt(frame.type()));
        }
      }
    } catch (IOException e) {
      reason = closed.get() ? closeReason : "connection lost: " + e.getMessage();
    } finally {
      shutdown(reason);
    }
  }

  private void writeFailed(IOException e) {
    shutdown("connection lost: " + e.getMessage());
  }

  private void shutdown(String reason) {
    synchronized (idLock) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      closeReason = reason;
    }
    try {
      writer.stop(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      channel.close();
    } catch (IOException e) {
      log().log(Level.FINE, "closing ttrpc client channel", e);
    }
    TtrpcException gone = TtrpcException.unavailable(reason);
    for (ClientStream s : streams.values()) {
      s.fail(gone);
    }
    streams.clear();
    if (callbacksRun.compareAndSet(false, true)) {
      for (Runnable r : closeCallbacks) {
        if (closeCallbacks.remove(r)) {
          try {
            r.run();
          } catch (RuntimeException e) {
            log().log(Level.WARNING, "ttrpc onClose callback failed", e);
          }
        }
      }
    }
  }
}
