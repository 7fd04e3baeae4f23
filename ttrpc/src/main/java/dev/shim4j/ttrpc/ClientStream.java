package dev.shim4j.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One call a client has open: a unary call waiting for its response frame, or a stream
 * collecting data frames until its end. The client's reader feeds it; the caller waits on it.
 */
final class ClientStream {
  private final Client client;
  private final String name;
  private final boolean streaming;
  private final boolean serverStreams;
  private final long deadline; // System.nanoTime based; 0 = none
  private final CompletableFuture<WireResponse> response;
  private final InboundMessages messages;
  private volatile boolean sendClosed;
  volatile int id;

  ClientStream(Client client, String name, MethodType type, long deadline) {
    this.client = client;
    this.name = name;
    this.streaming = type != MethodType.UNARY;
    this.serverStreams = type.serverStreams();
    this.deadline = deadline;
    this.response = streaming ? null : new CompletableFuture<>();
    this.messages = streaming ? new InboundMessages() : null;
  }

  // ---- fed by the reader -----------------------------------------------------------------------

  void onResponse(byte[] body) {
    client.forget(this);
    WireResponse r;
    try {
      r = WireResponse.decode(body);
    } catch (InvalidProtocolBufferException e) {
      fail(new TtrpcException(Code.INTERNAL, name + ": undecodable response: " + e.getMessage()));
      return;
    }
    if (!streaming) {
      response.complete(r);
    } else if (!r.isOk()) {
      messages.fail(Client.statusException(r));
    } else {
      // A client-streaming call's one answer comes in the response frame, even when the message
      // encodes to nothing; a server stream only ends with one.
      if (!serverStreams || r.payload().length > 0) {
        messages.message(r.payload());
      }
      messages.end();
    }
  }

  void onData(Frame frame) {
    if (!streaming) {
      return; // data on a unary call is a peer bug; its response frame still decides
    }
    if (frame.hasFlag(Frame.FLAG_REMOTE_CLOSED)) {
      client.forget(this);
      if (!frame.hasFlag(Frame.FLAG_NO_DATA)) {
        messages.message(frame.payload());
      }
      messages.end();
    } else {
      // Go servers mark an empty message no-data; it is still a message.
      messages.message(frame.payload());
    }
  }

  void fail(TtrpcException e) {
    if (streaming) {
      messages.fail(e);
    } else {
      response.completeExceptionally(e);
    }
  }

  // ---- used by the caller ----------------------------------------------------------------------

  WireResponse awaitResponse(long deadlineNanos) {
    try {
      if (deadlineNanos == 0) {
        return response.get();
      }
      return response.get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      client.forget(this);
      throw new TtrpcException(Code.DEADLINE_EXCEEDED, name + ": deadline exceeded");
    } catch (InterruptedException e) {
      client.forget(this);
      Thread.currentThread().interrupt();
      throw new TtrpcException(Code.CANCELLED, name + ": interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TtrpcException t) {
        throw new TtrpcException(t.code(), t.getMessage(), t, t.details());
      }
      throw new TtrpcException(Code.INTERNAL, name + ": " + e.getCause(), e.getCause());
    }
  }

  byte[] receive() throws InterruptedException {
    try {
      return messages.next(deadline);
    } catch (TtrpcException e) {
      client.forget(this);
      throw e;
    }
  }

  void sendData(byte[] payload) {
    if (sendClosed) {
      throw new IllegalStateException(name + ": send after closeSend");
    }
    if (messages.isFinished()) {
      throw new TtrpcException(Code.CANCELLED, name + ": the stream is over");
    }
    client.sendFrame(new Frame(id, Frame.TYPE_DATA, (byte) 0, payload));
  }

  void closeSend() {
    if (sendClosed) {
      return;
    }
    sendClosed = true;
    if (!messages.isFinished()) {
      client.sendFrame(new Frame(id, Frame.TYPE_DATA,
          (byte) (Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA), null));
    }
  }
}
