package dev.shim4j.ttrpc.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Arrays;

/**
 * {@code Response { 1: google.rpc.Status status; 2: bytes payload }}. A null status means OK;
 * like Go servers, we leave it out on success. A decoded response's payload is a slice of the
 * frame it came in.
 */
public record WireResponse(
    WireStatus status, byte[] payloadBuffer, int payloadOffset, int payloadLength) {
  private static final byte[] NONE = new byte[0];

  public WireResponse {
    if (payloadBuffer == null) {
      payloadBuffer = NONE;
      payloadOffset = 0;
      payloadLength = 0;
    }
  }

  public WireResponse(WireStatus status, byte[] payload) {
    this(status, payload, 0, payload == null ? 0 : payload.length);
  }

  public static WireResponse ok(byte[] payload) {
    return new WireResponse(null, payload);
  }

  public static WireResponse error(int code, String message, byte[] details) {
    return new WireResponse(new WireStatus(code, message, details), null);
  }

  public boolean isOk() {
    return status == null || status.code() == 0;
  }

  /** The payload bytes (a copy when the payload is a slice of a bigger array). */
  public byte[] payload() {
    if (payloadOffset == 0 && payloadLength == payloadBuffer.length) {
      return payloadBuffer;
    }
    return Arrays.copyOfRange(payloadBuffer, payloadOffset, payloadOffset + payloadLength);
  }

  public byte[] encode() {
    return encode(status, Payload.of(payloadBuffer, payloadOffset, payloadLength));
  }

  /** An OK response body with the payload written straight into it. */
  public static byte[] encodeOk(Payload payload) {
    return encode(null, payload);
  }

  private static byte[] encode(WireStatus status, Payload payload) {
    int statusSize = status == null ? 0 : status.serializedSize();
    int payloadSize = payload.size();
    int size = 0;
    if (status != null) {
      size += CodedOutputStream.computeTagSize(1)
          + CodedOutputStream.computeUInt32SizeNoTag(statusSize) + statusSize;
    }
    if (payloadSize > 0) {
      size += CodedOutputStream.computeTagSize(2)
          + CodedOutputStream.computeUInt32SizeNoTag(payloadSize) + payloadSize;
    }
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      if (status != null) {
        cos.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag(statusSize);
        status.writeTo(cos);
      }
      if (payloadSize > 0) {
        cos.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag(payloadSize);
        payload.writeTo(cos);
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an exact-size array failed", e);
    }
    return out;
  }

  public static WireResponse decode(byte[] bytes) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    WireStatus status = null;
    int payloadOffset = 0;
    int payloadLength = 0;
    try {
      while (true) {
        int tag = in.readTag();
        switch (tag) {
          case 0 -> {
            return new WireResponse(status, bytes, payloadOffset, payloadLength);
          }
          case 10 -> {
            int limit = in.pushLimit(in.readRawVarint32());
            status = WireStatus.parse(in);
            in.checkLastTagWas(0);
            in.popLimit(limit);
          }
          case 18 -> {
            int length = in.readRawVarint32();
            if (length < 0 || length > bytes.length - in.getTotalBytesRead()) {
              throw new InvalidProtocolBufferException("truncated payload field");
            }
            payloadOffset = in.getTotalBytesRead();
            payloadLength = length;
            in.skipRawBytes(length);
          }
          default -> {
            if (!in.skipField(tag)) {
              return new WireResponse(status, bytes, payloadOffset, payloadLength);
            }
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WireResponse r && java.util.Objects.equals(r.status, status)
        && Arrays.equals(r.payloadBuffer, r.payloadOffset, r.payloadOffset + r.payloadLength,
            payloadBuffer, payloadOffset, payloadOffset + payloadLength);
  }

  @Override
  public int hashCode() {
    return payloadLength;
  }

  @Override
  public String toString() {
    return "WireResponse[status=" + status + ", payload=" + payloadLength + " bytes]";
  }
}
