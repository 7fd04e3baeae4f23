package dev.shim4j.ttrpc.wire;

/**
 * One ttrpc frame: a 10-byte big-endian header ({@code u32 length, u32 stream_id, u8 type,
 * u8 flags}) followed by {@code length} payload bytes.
 */
public record Frame(int streamId, byte type, byte flags, byte[] payload) {
  public static final int HEADER_SIZE = 10;
  /** The largest payload either side accepts: 4 MiB; {@code length > MAX_PAYLOAD} is an error. */
  public static final int MAX_PAYLOAD = 4 << 20;

  public static final byte TYPE_REQUEST = 1;
  public static final byte TYPE_RESPONSE = 2;
  public static final byte TYPE_DATA = 3;

  public static final byte FLAG_REMOTE_CLOSED = 0x01;
  public static final byte FLAG_REMOTE_OPEN = 0x02;
  public static final byte FLAG_NO_DATA = 0x04;

  private static final byte[] EMPTY = new byte[0];

  public Frame {
    payload = payload == null ? EMPTY : payload;
  }

  public boolean hasFlag(byte flag) {
    return (flags & flag) != 0;
  }

  /** The frame as bytes on the wire, header included. */
  public byte[] toBytes() {
    byte[] out = new byte[HEADER_SIZE + payload.length];
    writeHeader(out, 0, payload.length, streamId, type, flags);
    System.arraycopy(payload, 0, out, HEADER_SIZE, payload.length);
    return out;
  }

  static void writeHeader(byte[] out, int at, int length, int streamId, byte type, byte flags) {
    out[at] = (byte) (length >>> 24);
    out[at + 1] = (byte) (length >>> 16);
    out[at + 2] = (byte) (length >>> 8);
    out[at + 3] = (byte) length;
    out[at + 4] = (byte) (streamId >>> 24);
    out[at + 5] = (byte) (streamId >>> 16);
    out[at + 6] = (byte) (streamId >>> 8);
    out[at + 7] = (byte) streamId;
    out[at + 8] = type;
    out[at + 9] = flags;
  }

  @Override
  public String toString() {
    return "Frame[stream=" + Integer.toUnsignedString(streamId) + ", type="
        + Byte.toUnsignedInt(type) + ", flags=0x"
        + Integer.toHexString(flags & 0xff) + ", length=" + payload.length + "]";
  }
}
