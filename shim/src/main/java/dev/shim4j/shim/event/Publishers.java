package dev.shim4j.shim.event;

import com.google.protobuf.Message;
import dev.shim4j.shim.log.ShimLogging;

/** Chooses how a shim publishes, from what containerd handed it. */
public final class Publishers {
  private static final System.Logger LOG = ShimLogging.logger(Publishers.class);

  private Publishers() {}

  /**
   * Events/Forward over ttrpc when containerd gave a TTRPC_ADDRESS; otherwise the publish binary
   * ({@code -publish-binary}, containerd itself) against {@code containerdAddress}; with neither,
   * a publisher that logs and discards.
   */
  public static Publisher create(String ttrpcAddress, String publishBinary, String containerdAddress,
      String namespace) {
    if (ttrpcAddress != null && !ttrpcAddress.isBlank()) {
      return remote(ttrpcAddress, namespace, PublisherSettings.DEFAULT);
    }
    if (publishBinary != null && !publishBinary.isBlank()) {
      return binary(publishBinary, containerdAddress, namespace, PublisherSettings.DEFAULT);
    }
    return discarding();
  }

  /** Events/Forward on {@code ttrpcAddress} ("unix:///path" or a path). */
  public static QueuedPublisher remote(String ttrpcAddress, String namespace, PublisherSettings settings) {
    return new QueuedPublisher(namespace, new TtrpcTransport(ttrpcAddress, settings.callTimeout()), settings);
  }

  /** One {@code publishBinary ... publish} run per event. */
  public static QueuedPublisher binary(String publishBinary, String containerdAddress, String namespace,
      PublisherSettings settings) {
    return new QueuedPublisher(namespace,
        new BinaryTransport(publishBinary, containerdAddress, settings.callTimeout()), settings);
  }

  /** For shims run by hand without containerd: events are only logged (at debug level). */
  public static Publisher discarding() {
    return new Publisher() {
      @Override
      public void publish(String topic, Message event) {
        Envelopes.checkTopic(topic);
        LOG.log(System.Logger.Level.DEBUG, "no event address: not publishing {0}", topic);
      }

      @Override
      public void close() {}
    };
  }
}
