package dev.shim4j.ttrpc.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.shim4j.ttrpc.Metadata;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code Request { 1: string service; 2: string method; 3: bytes payload; 4: int64 timeout_nano;
 * 5: repeated KeyValue metadata }}, {@code KeyValue { 1: string key; 2: string value }}.
 *
 * <p>A decoded request's payload is a slice of the frame it came in ({@link #payloadBuffer},
 * {@link #payloadOffset}, {@link #payloadLength}), not a copy.
 */
public record WireRequest(
    String service,
    String method,
    byte[] payloadBuffer,
    int payloadOffset,
    int payloadLength,
    long timeoutNano,
    Metadata metadata) {
  private static final byte[] NONE = new byte[0];

  public WireRequest {
    service = service == null ? "" : service;
    method = method == null ? "" : method;
    if (payloadBuffer == null) {
      payloadBuffer = NONE;
      payloadOffset = 0;
      payloadLength = 0;
    }
    metadata = metadata == null ? Metadata.EMPTY : metadata;
  }

  public WireRequest(
      String service, String method, byte[] payload, long timeoutNano, Metadata metadata) {
    this(service, method, payload, 0, payload == null ? 0 : payload.length, timeoutNano,
        metadata);
  }

  /** The payload bytes (a copy when the payload is a slice of a bigger array). */
  public byte[] payload() {
    if (payloadOffset == 0 && payloadLength == payloadBuffer.length) {
      return payloadBuffer;
    }
    return Arrays.copyOfRange(payloadBuffer, payloadOffset, payloadOffset + payloadLength);
  }

  public byte[] encode() {
    return encode(service, method, Payload.of(payloadBuffer, payloadOffset, payloadLength),
        timeoutNano, metadata);
  }

  /** Encodes a request body with the payload written straight into it. */
  public static byte[] encode(String service, String method, Payload payload, long timeoutNano,
      Metadata metadata) {
    int payloadSize = payload.size();
    int size = 0;
    if (!service.isEmpty()) {
      size += CodedOutputStream.computeStringSize(1, service);
    }
    if (!method.isEmpty()) {
      size += CodedOutputStream.computeStringSize(2, method);
    }
    if (payloadSize > 0) {
      size += CodedOutputStream.computeTagSize(3)
          + CodedOutputStream.computeUInt32SizeNoTag(payloadSize) + payloadSize;
    }
    if (timeoutNano != 0) {
      size += CodedOutputStream.computeInt64Size(4, timeoutNano);
    }
    for (Map.Entry<String, List<String>> e : metadata.asMap().entrySet()) {
      for (String value : e.getValue()) {
        int kv = keyValueSize(e.getKey(), value);
        size += CodedOutputStream.computeTagSize(5) + CodedOutputStream.computeUInt32SizeNoTag(kv)
            + kv;
      }
    }
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      if (!service.isEmpty()) {
        cos.writeString(1, service);
      }
      if (!method.isEmpty()) {
        cos.writeString(2, method);
      }
      if (payloadSize > 0) {
        cos.writeTag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag(payloadSize);
        payload.writeTo(cos);
      }
      if (timeoutNano != 0) {
        cos.writeInt64(4, timeoutNano);
      }
      for (Map.Entry<String, List<String>> e : metadata.asMap().entrySet()) {
        for (String value : e.getValue()) {
          cos.writeTag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
          cos.writeUInt32NoTag(keyValueSize(e.getKey(), value));
          if (!e.getKey().isEmpty()) {
            cos.writeString(1, e.getKey());
          }
          if (!value.isEmpty()) {
            cos.writeString(2, value);
          }
        }
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an exact-size array failed", e);
    }
    return out;
  }

  private static int keyValueSize(String key, String value) {
    return (key.isEmpty() ? 0 : CodedOutputStream.computeStringSize(1, key))
        + (value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(2, value));
  }

  public static WireRequest decode(byte[] bytes) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    String service = "";
    String method = "";
    int payloadOffset = 0;
    int payloadLength = 0;
    long timeout = 0;
    Metadata metadata = Metadata.EMPTY;
    try {
      while (true) {
        int tag = in.readTag();
        switch (tag) {
          case 0 -> {
            return new WireRequest(service, method, bytes, payloadOffset, payloadLength, timeout,
                metadata);
          }
          case 10 -> service = in.readStringRequireUtf8();
          case 18 -> method = in.readStringRequireUtf8();
          case 26 -> {
            int length = in.readRawVarint32();
            if (length < 0 || length > bytes.length - in.getTotalBytesRead()) {
              throw new InvalidProtocolBufferException("truncated payload field");
            }
            payloadOffset = in.getTotalBytesRead();
            payloadLength = length;
            in.skipRawBytes(length);
          }
          case 32 -> timeout = in.readInt64();
          case 42 -> {
            int limit = in.pushLimit(in.readRawVarint32());
            String key = "";
            String value = "";
            int t;
            while ((t = in.readTag()) != 0) {
              switch (t) {
                case 10 -> key = in.readStringRequireUtf8();
                case 18 -> value = in.readStringRequireUtf8();
                default -> in.skipField(t);
              }
            }
            in.popLimit(limit);
            metadata = metadata.with(key, value);
          }
          default -> {
            if (!in.skipField(tag)) {
              return new WireRequest(service, method, bytes, payloadOffset, payloadLength,
                  timeout, metadata);
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
    return o instanceof WireRequest r && r.service.equals(service) && r.method.equals(method)
        && Arrays.equals(r.payloadBuffer, r.payloadOffset, r.payloadOffset + r.payloadLength,
            payloadBuffer, payloadOffset, payloadOffset + payloadLength)
        && r.timeoutNano == timeoutNano && r.metadata.equals(metadata);
  }

  @Override
  public int hashCode() {
    return service.hashCode() * 31 + method.hashCode();
  }

  @Override
  public String toString() {
    return "WireRequest[" + service + "/" + method + ", payload=" + payloadLength
        + " bytes, timeoutNano=" + timeoutNano + ", metadata=" + metadata + "]";
  }
}
