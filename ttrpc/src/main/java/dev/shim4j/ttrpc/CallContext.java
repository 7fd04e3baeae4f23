package dev.shim4j.ttrpc;

import java.time.Duration;
import java.util.Optional;

/** What a handler knows of the call it serves. */
public interface CallContext {
  String service();

  String method();

  Metadata metadata();

  /** Time left before the caller's deadline ({@code timeout_nano}); empty when there is none. */
  Optional<Duration> remaining();

  /** True once the deadline has passed or the connection has gone. */
  boolean isCancelled();

  /** The credentials of the connected peer (SO_PEERCRED), when the transport knows them. */
  Optional<PeerCredentials> peer();
}
