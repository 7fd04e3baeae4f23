package dev.shim4j.ttrpc;

import java.util.Optional;

/** The receiving half of a stream. */
public interface StreamReceiver<T> {
  /**
   * Waits for the next message. Empty when the peer closed its side normally; throws
   * TtrpcException when the stream ended with an error status or the connection dropped.
   */
  Optional<T> receive() throws InterruptedException;
}
