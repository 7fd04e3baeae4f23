package dev.shim4j.ttrpc.wire;

import java.io.IOException;

/**
 * A received frame declared a payload above the limit. Its payload has been read and discarded,
 * so the stream stays in step: the receiver answers RESOURCE_EXHAUSTED and keeps going.
 */
public final class OversizeFrameException extends IOException {
  private final int streamId;
  private final byte type;
  private final long length;

  public OversizeFrameException(int streamId, byte type, long length, int limit) {
    super("frame of " + length + " bytes on stream " + Integer.toUnsignedString(streamId)
        + " exceeds the limit of " + limit + " bytes");
    this.streamId = streamId;
    this.type = type;
    this.length = length;
  }

  public int streamId() {
    return streamId;
  }

  public byte type() {
    return type;
  }

  public long length() {
    return length;
  }
}
