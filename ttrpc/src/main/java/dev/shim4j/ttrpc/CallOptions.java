package dev.shim4j.ttrpc;

import java.time.Duration;

/** Per-call options of a client call: a timeout (sent as {@code timeout_nano}) and metadata. */
public record CallOptions(Duration timeout, Metadata metadata) {
  public static final CallOptions DEFAULT = new CallOptions(null, Metadata.EMPTY);

  public CallOptions {
    metadata = metadata == null ? Metadata.EMPTY : metadata;
  }

  public static CallOptions timeout(Duration timeout) {
    return new CallOptions(timeout, Metadata.EMPTY);
  }

  public CallOptions withTimeout(Duration newTimeout) {
    return new CallOptions(newTimeout, metadata);
  }

  public CallOptions withMetadata(String key, String value) {
    return new CallOptions(timeout, metadata.with(key, value));
  }
}
