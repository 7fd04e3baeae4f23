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
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One accepted connection: a reader thread that decodes frames and dispatches calls, a virtual
 * thread per call, and one {@link FrameWriter} all answers go through.
 *
 * <p><b>Back-pressure.</b> The work a peer has asked for and not yet received is bounded: calls
 * in flight plus answers queued for writing. At {@value #MAX_UNANSWERED} (or at
 * {@code maxQueuedBytes} of queued answers) the reader stops reading the socket, so the peer's
 * writes block in its own socket buffer, until that work is down to half. This is correct under
 * concurrency because of the order of the two sides' steps, all on volatile or atomic variables:
 * the reader publishes itself in {@link #pausedReader} and only then re-reads the counters
 * before it parks; every thread that lowers a counter (a finished handler, a writer drain,
 * {@link #close}) lowers it first and then reads {@link #pausedReader}. So either the reader
 * sees the lowered count and does not park, or the lowering thread sees the reader and unparks
 * it (an unpark before the park makes the park return at once). Only the reader raises the count
 * of calls; handlers can raise the queued answers only by answering calls already counted (or by
 * stream messages, which the peer reads to make progress anyway).
 *
 * <p><b>Stalled frames.</b> The {@link FrameReader} reports since when it has waited for the
 * rest of a started frame; the server's watchdog closes a connection whose frame stays
 * incomplete longer than its stall timeout. Waiting between frames is never a stall: a client
 * may keep a connection idle for hours.
 */
final class ServerConnection {
  /** Looked up at each (rare) use: see {@code Server.log()}. */
  private static Logger log() {
    return Logger.getLogger(ServerConnection.class.getName());
  }

  /**
   * Client-stream messages a handler may leave unread before the stream is failed. The reader
   * must not wait for a slow handler (it serves every stream of the connection), and must not
   * buffer without bound for a peer that floods.
   */
  static final int MAX_BACKLOG = 1024;

  /** Calls in flight plus answers queued, per connection, at which the reader stops reading. */
  static final int MAX_UNANSWERED = 128;

  private final Server server;
  private final SocketChannel channel;
  private final Optional<PeerCredentials> peer;
  private final FrameWriter writer;
  private final FrameReader reader;
  /** Bytes of queued answers at which the reader stops reading (two maximal frames). */
  private final long maxQueuedBytes;
  private final AtomicInteger callsInFlight = new AtomicInteger();
  /** The reader while it waits for unanswered work to drain; null while it reads. */
  private volatile Thread pausedReader;
  private final Map<Integer, ServerCall> active = new ConcurrentHashMap<>();
  private final Map<Integer, InboundMessages> inbound = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean draining;
  /** Whether a thread has been started to write what {@link #sendDetached} queued. */
  private final AtomicBoolean detachedFlush = new AtomicBoolean();
  private int lastStreamId; // reader thread only

  ServerConnection(Server server, SocketChannel channel, Optional<PeerCredentials> peer) {
    this.server = server;
    this.channel = channel;
    this.peer = peer;
    // Handler threads write their own answers (no thread hop per response); see ServerCall for
    // how their interrupts are kept away from the channel.
    this.writer = FrameWriter.combining(channel, server.maxMessageSize(), this::writeFailed,
        this::wakeReader);
    this.reader = new FrameReader(channel, server.maxMessageSize(), server::watchStalls);
    this.maxQueuedBytes = 2L * (server.maxMessageSize() + Frame.HEADER_SIZE);
  }

  void start() {
    // A virtual thread, like the handlers it starts: a handler started from here is queued on
    // this carrier and runs as soon as the reader waits again, without waking another OS thread
    // (measured: a third more calls/s for a single caller, same throughput under load).
    Thread.ofVirtual().name("ttrpc-server-reader").start(this::readLoop);
  }

  private void readLoop() {
    try {
      while (true) {
        awaitCapacity();
        Frame frame;
        try {
          frame = reader.read();
        } catch (OversizeFrameException e) {
          answer(e.streamId(), Code.RESOURCE_EXHAUSTED, e.getMessage());
          continue;
        }
        if (frame == null) {
          return;
        }
        switch (frame.type()) {
          case Frame.TYPE_REQUEST -> onRequest(frame);
          case Frame.TYPE_DATA -> onData(frame);
          default -> answer(frame.streamId(), Code.INVALID_ARGUMENT,
              "unexpected frame type " + Byte.toUnsignedInt(frame.type()) + " from a client");
        }
      }
    } catch (IOException e) {
      // Truncated frame, reset by the peer, closed by us (or by the stall watchdog): the
      // connection is over either way.
      if (!closed.get()) {
        log().log(Level.FINE, "ttrpc connection ends", e);
      }
    } finally {
      close();
    }
  }

  private void onRequest(Frame frame) {
    int id = frame.streamId();
    if ((id & 1) == 0) {
      answer(id, Code.INVALID_ARGUMENT, "stream id " + Integer.toUnsignedString(id)
          + " is even; client-initiated streams must use odd ids");
      return;
    }
    if (Integer.compareUnsigned(id, lastStreamId) <= 0) {
      answer(id, Code.INVALID_ARGUMENT, "stream id " + Integer.toUnsignedString(id)
          + " is not greater than the previous one (" + Integer.toUnsignedString(lastStreamId)
          + "); ids cannot be reused and must increase");
      return;
    }
    lastStreamId = id;
    WireRequest request;
    try {
      request = WireRequest.decode(frame.payload());
    } catch (InvalidProtocolBufferException e) {
      answer(id, Code.INVALID_ARGUMENT, "cannot decode request: " + e.getMessage());
      return;
    }
    ServiceDefinition service = server.service(request.service());
    if (service == null) {
      answer(id, Code.UNIMPLEMENTED, "service " + request.service() + " is not served here");
      return;
    }
    ServiceDefinition.Method<?, ?> method = service.method(request.method());
    if (method == null) {
      answer(id, Code.UNIMPLEMENTED,
          "method " + request.service() + "/" + request.method() + " is not served here");
      return;
    }
    if (draining) {
      answer(id, Code.UNAVAILABLE, "server is shutting down");
      return;
    }
    ServerCall call = new ServerCall(id, request.service(), request.method(), request.metadata(),
        request.timeoutNano(), peer);
    active.put(id, call);
    MethodType type = method.descriptor().type();
    InboundMessages messages = null;
    if (type.clientStreams()) {
      messages = new InboundMessages();
      inbound.put(id, messages);
      // A client that opened the stream with data (no no-data flag) sent its first message too.
      if (!frame.hasFlag(Frame.FLAG_NO_DATA) && request.payloadLength() > 0) {
        messages.message(request.payload());
      }
      if (frame.hasFlag(Frame.FLAG_REMOTE_CLOSED)) {
        messages.end();
      }
    }
    DeadlineTimer.Entry timer = call.hasDeadline()
        ? server.timers().schedule(call.deadlineNanos(), () -> expire(call))
        : null;
    InboundMessages in = messages;
    callsInFlight.incrementAndGet();
    Thread.ofVirtual().start(() -> run(call, method, request, in, timer));
  }

  private void onData(Frame frame) {
    int id = frame.streamId();
    InboundMessages messages = inbound.get(id);
    if (messages == null || messages.isFinished()) {
      answer(id, Code.INVALID_ARGUMENT,
          "data frame for stream " + Integer.toUnsignedString(id) + ", which is not open for data");
      return;
    }
    if (!frame.hasFlag(Frame.FLAG_NO_DATA)) {
      if (messages.backlog() >= MAX_BACKLOG) {
        overflow(id, messages);
        return;
      }
      messages.message(frame.payload());
    }
    if (frame.hasFlag(Frame.FLAG_REMOTE_CLOSED)) {
      messages.end();
    }
  }

  private void overflow(int id, InboundMessages messages) {
    String why = "stream " + Integer.toUnsignedString(id) + ": more than " + MAX_BACKLOG
        + " messages waiting for the handler";
    inbound.remove(id, messages);
    messages.fail(new TtrpcException(Code.RESOURCE_EXHAUSTED, why));
    ServerCall call = active.get(id);
    if (call != null) {
      if (call.claimAnswer()) {
        answer(id, Code.RESOURCE_EXHAUSTED, why);
      }
      call.cancel();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void run(ServerCall call, ServiceDefinition.Method<?, ?> method, WireRequest request,
      InboundMessages in, DeadlineTimer.Entry timer) {
    call.handlerStarts();
    MethodDescriptor descriptor = method.descriptor();
    try {
      switch (descriptor.type()) {
        case UNARY -> {
          Object req = decodeRequest(descriptor, request.payloadBuffer(),
              request.payloadOffset(), request.payloadLength());
          Object resp = server.invokeUnary(call, (UnaryHandler) method.handler(), req);
          finish(call, Payload.of(descriptor.responseMarshaller(), resp));
        }
        case SERVER_STREAMING -> {
          Object req = decodeRequest(descriptor, request.payloadBuffer(),
              request.payloadOffset(), request.payloadLength());
          ((ServerStreamingHandler) method.handler()).handle(call, req, sender(call, descriptor));
          endStream(call);
        }
        case CLIENT_STREAMING -> {
          Object resp = ((ClientStreamingHandler) method.handler())
              .handle(call, receiver(descriptor, in));
          finish(call, Payload.of(descriptor.responseMarshaller(), resp));
        }
        case BIDI_STREAMING -> {
          ((BidiStreamingHandler) method.handler())
              .handle(call, receiver(descriptor, in), sender(call, descriptor));
          endStream(call);
        }
      }
    } catch (Throwable t) {
      TtrpcException e = TtrpcException.fromThrowable(t);
      if (e.code() == Code.UNKNOWN || e.code() == Code.INTERNAL) {
        log().log(Level.FINE, "handler of " + call.service() + "/" + call.method() + " failed", t);
      }
      if (call.claimAnswer()) {
        sendFromHandler(call, new Frame(call.streamId(), Frame.TYPE_RESPONSE, (byte) 0,
            WireResponse.error(e.code().value(), e.getMessage(), e.details()).encode()));
      }
    } finally {
      call.handlerEnds(); // a late deadline interrupt must not leak out of the call
      if (timer != null) {
        timer.cancel();
      }
      active.remove(call.streamId());
      inbound.remove(call.streamId());
      callsInFlight.decrementAndGet();
      wakeReader();
      if (draining && active.isEmpty()) {
        closeGracefully();
      }
    }
  }

  private static Object decodeRequest(MethodDescriptor<?, ?> descriptor, byte[] buffer,
      int offset, int length) {
    try {
      return descriptor.requestMarshaller().decode(buffer, offset, length);
    } catch (InvalidProtocolBufferException e) {
      throw new TtrpcException(Code.INVALID_ARGUMENT,
          "cannot decode " + descriptor.fullName() + " request: " + e.getMessage());
    }
  }

  /** The final OK answer of a unary or client-streaming call: a response frame with payload. */
  private void finish(ServerCall call, Payload payload) {
    if (payload == null) {
      throw new NullPointerException("the handler answered null");
    }
    byte[] body = WireResponse.encodeOk(payload);
    if (!writer.fits(body.length)) {
      throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "response of " + body.length
          + " bytes exceeds the limit of " + writer.maxPayload() + " bytes");
    }
    if (call.claimAnswer()) {
      sendFromHandler(call, new Frame(call.streamId(), Frame.TYPE_RESPONSE, (byte) 0, body));
    }
  }

  /** The normal end of a server stream: an empty data frame, remote-closed|no-data. */
  private void endStream(ServerCall call) {
    if (call.claimAnswer()) {
      sendFromHandler(call, new Frame(call.streamId(), Frame.TYPE_DATA,
          (byte) (Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA), null));
    }
  }

  private StreamSender<Object> sender(ServerCall call, MethodDescriptor<Object, Object> descriptor) {
    return message -> {
      if (call.isAnswered() || call.isCancelled()) {
        throw new TtrpcException(call.hasDeadline() && call.nanosLeft() <= 0
            ? Code.DEADLINE_EXCEEDED : Code.CANCELLED, "the call is over");
      }
      byte[] payload = descriptor.responseMarshaller().encode(message);
      if (!writer.fits(payload.length)) {
        throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "message of " + payload.length
            + " bytes exceeds the limit of " + writer.maxPayload() + " bytes");
      }
      awaitWriteRoom(call);
      if (!sendFromHandler(call, new Frame(call.streamId(), Frame.TYPE_DATA, (byte) 0, payload))) {
        throw TtrpcException.unavailable("connection closed");
      }
    };
  }

  /**
   * A stream's sender waits while the answers queued for a peer that does not read fill the
   * byte bound, so a streaming handler cannot pile up messages without limit either. Polled:
   * only a peer that stopped reading makes anyone wait here.
   */
  private void awaitWriteRoom(ServerCall call) {
    while (writer.queuedBytes() >= maxQueuedBytes && !closed.get()) {
      if (call.isCancelled()) {
        throw new TtrpcException(Code.CANCELLED, "the call is over");
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TtrpcException(Code.CANCELLED, "the call is over");
      }
    }
  }

  private static StreamReceiver<Object> receiver(MethodDescriptor<Object, Object> descriptor,
      InboundMessages in) {
    return () -> {
      byte[] payload = in.next();
      if (payload == null) {
        return Optional.empty();
      }
      return Optional.of(decodeRequest(descriptor, payload, 0, payload.length));
    };
  }

  private void expire(ServerCall call) {
    if (call.claimAnswer()) {
      sendDetached(new Frame(call.streamId(), Frame.TYPE_RESPONSE, (byte) 0,
          WireResponse.error(Code.DEADLINE_EXCEEDED.value(),
              "deadline exceeded serving " + call.service() + "/" + call.method(), null)
              .encode()));
    }
    InboundMessages in = inbound.get(call.streamId());
    if (in != null) {
      in.fail(new TtrpcException(Code.DEADLINE_EXCEEDED, "deadline exceeded"));
    }
    call.cancel();
  }

  /** An error answer from the reader: written by another thread, so the reader never blocks. */
  private void answer(int streamId, Code code, String message) {
    sendDetached(new Frame(streamId, Frame.TYPE_RESPONSE, (byte) 0,
        WireResponse.error(code.value(), message, null).encode()));
  }

  /**
   * Writes without blocking the caller, in the order of the calls: for the reader (which must
   * keep reading even when the peer is slow to read our answers) and the deadline timer (which
   * serves every call). The frame joins the writer's queue at once (so it counts as unanswered
   * work and keeps its place in line); a virtual thread flushes the queue unless one is already
   * about to. That thread clears {@link #detachedFlush} before it flushes, so a frame queued
   * after its flush looked at the queue finds the flag clear and starts another.
   */
  private void sendDetached(Frame frame) {
    try {
      writer.enqueue(frame);
    } catch (IOException e) {
      return; // the connection is going away; the reader's end cleans up
    }
    if (detachedFlush.compareAndSet(false, true)) {
      Thread.ofVirtual().start(() -> {
        detachedFlush.set(false);
        writer.flush();
      });
    }
  }

  /** Stops reading while too much work is unanswered; see the class comment. */
  private void awaitCapacity() {
    if (!overLimit(1)) {
      return;
    }
    pausedReader = Thread.currentThread();
    try {
      while (overLimit(2) && !closed.get()) {
        LockSupport.park(this);
      }
    } finally {
      pausedReader = null;
    }
  }

  /** Whether the unanswered work is at {@code 1/share} of the limits. */
  private boolean overLimit(int share) {
    return unansweredWork() >= MAX_UNANSWERED / share
        || writer.queuedBytes() >= maxQueuedBytes / share;
  }

  long queuedAnswerBytes() {
    return writer.queuedBytes();
  }

  int unansweredWork() {
    return callsInFlight.get() + writer.queuedFrames();
  }

  /** Called after the unanswered work shrank (or the connection closed). */
  private void wakeReader() {
    Thread paused = pausedReader;
    if (paused != null && (closed.get() || !overLimit(2))) {
      LockSupport.unpark(paused);
    }
  }

  /** Closes the connection if its reader has waited too long inside a frame. */
  void closeIfStalled(long now, long timeoutNanos) {
    long since = reader.partialSince();
    if (since != 0 && now - since > timeoutNanos && !closed.get()) {
      log().warning(() -> "ttrpc connection closed: a frame stayed incomplete for more than "
          + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
      close();
    }
  }

  private boolean sendFromHandler(ServerCall call, Frame frame) {
    boolean interrupted = call.beginWrite();
    try {
      writer.send(frame);
      return true;
    } catch (IOException e) {
      return false; // the connection is going away; the reader's end cleans up
    } finally {
      call.endWrite(interrupted);
    }
  }

  private void writeFailed(IOException e) {
    log().log(Level.FINE, "ttrpc write failed", e);
    close();
  }

  /** Stop taking calls; close once the in-flight ones are answered. */
  void drain() {
    draining = true;
    if (active.isEmpty()) {
      closeGracefully();
    }
  }

  boolean isIdle() {
    return active.isEmpty();
  }

  private void closeGracefully() {
    // Let the writer put out the answers already queued, then close.
    try {
      writer.stop(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  /** Closes at once: in-flight calls are cancelled, their answers dropped. */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      writer.stop(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to do with a socket we are abandoning
    }
    TtrpcException gone = TtrpcException.unavailable("connection closed");
    inbound.values().forEach(in -> in.fail(gone));
    active.values().forEach(ServerCall::cancel);
    wakeReader();
    server.connectionClosed(this);
  }
}
