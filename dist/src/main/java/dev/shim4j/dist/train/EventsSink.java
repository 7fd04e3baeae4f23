package dev.shim4j.dist.train;

import com.google.protobuf.Empty;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.api.services.events.v1.ForwardRequest;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * containerd's ttrpc events service as far as the shim can tell: answers every
 * {@code Events/Forward} and counts the topics, so the daemon's real publisher path (queue,
 * envelope, ttrpc client) runs during training, not its no-address fallback.
 */
final class EventsSink implements EventsTtrpc.Service, AutoCloseable {
  private final Map<String, Integer> topics = new TreeMap<>();
  private final Server server;

  private EventsSink(Path socket) throws IOException {
    this.server = Server.builder().register(EventsTtrpc.bind(this)).build().bind(socket);
  }

  static EventsSink bind(Path socket) throws IOException {
    return new EventsSink(socket);
  }

  @Override
  public Empty forward(CallContext ctx, ForwardRequest request) {
    synchronized (topics) {
      topics.merge(request.getEnvelope().getTopic(), 1, Integer::sum);
    }
    return Empty.getDefaultInstance();
  }

  /** Topic -> how many events of it arrived so far. */
  Map<String, Integer> topics() {
    synchronized (topics) {
      return Map.copyOf(topics);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
