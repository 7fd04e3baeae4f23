package dev.shim4j.ttrpc.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;

/**
 * {@code Response { 1: google.rpc.Status status; 2: bytes payload }}. A null status means OK;
 * like Go servers, we leave it out on success.
 */
public record WireResponse(WireStatus status, byte[] payload) {
  private static final byte[] NONE = new byte[0];

  public WireResponse {
    payload = payload == null ? NONE : payload;
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

  public byte[] encode() {
    int statusSize = status == null ? 0 : status.serializedSize();
    int size = 0;
    if (status != null) {
      size += CodedOutputStream.computeTagSize(1) + CodedOutputStream.computeUInt32SizeNoTag(statusSize)
          + statusSize;
    }
    if (payload.length > 0) {
      size += CodedOutputStream.computeByteArraySize(2, payload);
    }
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      if (status != null) {
        cos.writeTag(1, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag(statusSize);
        status.writeTo(cos);
      }
      if (payload.length > 0) {
        cos.writeByteArray(2, payload);
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an exact-size array cannot fail", e);
    }
    return out;
  }

  public static WireResponse decode(byte[] bytes) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    WireStatus status = null;
    byte[] payload = NONE;
    try {
      while (true) {
        int tag = in.readTag();
        switch (tag) {
          case 0 -> {
            return new WireResponse(status, payload);
          }
          case 10 -> {
            int limit = in.pushLimit(in.readRawVarint32());
            status = WireStatus.parse(in);
            in.checkLastTagWas(0);
            in.popLimit(limit);
          }
          case 18 -> payload = in.readByteArray();
          default -> {
            if (!in.skipField(tag)) {
              return new WireResponse(status, payload);
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
}
