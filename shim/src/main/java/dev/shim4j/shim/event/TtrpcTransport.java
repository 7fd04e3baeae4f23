package dev.shim4j.shim.event;

import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.api.services.events.v1.ForwardRequest;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.Metadata;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.time.Duration;

/**
 * containerd's {@code Events/Forward} on its ttrpc socket (TTRPC_ADDRESS). The connection is
 * dialed on first use and again after it broke or a call timed out, so a containerd restart
 * costs one retry, not the rest of the shim's events.
 */
final class TtrpcTransport implements Transport {
  private final String address;
  private final Duration callTimeout;
  private Client connection;
  private EventsTtrpc.Client events;

  TtrpcTransport(String address, Duration callTimeout) {
    this.address = address;
    this.callTimeout = callTimeout;
  }

  @Override
  public void send(Envelope envelope) throws IOException {
    if (connection == null || !connection.isOpen()) {
      redial();
    }
    CallOptions options = CallOptions.timeout(callTimeout)
        .withMetadata(Metadata.CONTAINERD_NAMESPACE, envelope.getNamespace());
    try {
      events.forward(ForwardRequest.newBuilder().setEnvelope(envelope).build(), options);
    } catch (TtrpcException e) {
      if (e.code() == Code.UNAVAILABLE || e.code() == Code.DEADLINE_EXCEEDED || !connection.isOpen()) {
        // The connection may be dead or wedged; the next attempt starts on a fresh one.
        disconnect();
      }
      throw e;
    } catch (RuntimeException e) {
      disconnect();
      throw e;
    }
  }

  @Override
  public boolean isPermanent(Exception failure) {
    return failure instanceof TtrpcException e
        && (e.code() == Code.INVALID_ARGUMENT || e.code() == Code.UNIMPLEMENTED);
  }

  private void redial() throws IOException {
    disconnect();
    connection = Client.connect(address);
    events = new EventsTtrpc.Client(connection);
  }

  private void disconnect() {
    if (connection != null) {
      try {
        connection.close();
      } catch (RuntimeException ignored) {
        // Already broken; nothing more to release.
      }
      connection = null;
      events = null;
    }
  }

  @Override
  public void close() {
    disconnect();
  }
}
