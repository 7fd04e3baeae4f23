package dev.shim4j.shim.event;

import dev.shim4j.api.services.events.v1.Envelope;

/** How a queued event reaches containerd. Called from the one sender thread only. */
interface Transport extends AutoCloseable {
  /** Delivers one event; an exception means "not delivered" and may be retried. */
  void send(Envelope envelope) throws Exception;

  /** True when retrying after {@code failure} cannot help (containerd refused the event itself). */
  default boolean isPermanent(Exception failure) {
    return false;
  }

  @Override
  void close();
}
