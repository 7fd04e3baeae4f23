package dev.shim4j.ttrpc.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.ttrpc.Metadata;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code Request { 1: string service; 2: string method; 3: bytes payload; 4: int64 timeout_nano;
 * 5: repeated KeyValue metadata }}, {@code KeyValue { 1: string key; 2: string value }}.
 */
public record WireRequest(
    String service, String method, byte[] payload, long timeoutNano, Metadata metadata) {
  private static final byte[] NONE = new byte[0];

  public WireRequest {
    service = service == null ? "" : service;
    method = method == null ? "" : method;
    payload = payload == null ? NONE : payload;
    metadata = metadata == null ? Metadata.EMPTY : metadata;
  }

  public byte[] encode() {
    int size = 0;
    if (!service.isEmpty()) {
      size += CodedOutputStream.computeStringSize(1, service);
    }
    if (!method.isEmpty()) {
      size += CodedOutputStream.computeStringSize(2, method);
    }
    if (payload.length > 0) {
      size += CodedOutputStream.computeByteArraySize(3, payload);
    }
    if (timeoutNano != 0) {
      size += CodedOutputStream.computeInt64Size(4, timeoutNano);
    }
    for (Map.Entry<String, List<String>> e : metadata.asMap().entrySet()) {
      for (String value : e.getValue()) {
        int kv = keyValueSize(e.getKey(), value);
        size += CodedOutputStream.computeTagSize(5) + CodedOutputStream.computeUInt32SizeNoTag(kv) + kv;
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
      if (payload.length > 0) {
        cos.writeByteArray(3, payload);
      }
      if (timeoutNano != 0) {
        cos.writeInt64(4, timeoutNano);
      }
      for (Map.Entry<String, List<String>> e : metadata.asMap().entrySet()) {
        for (String value : e.getValue()) {
          cos.writeTag(5, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
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
      throw new IllegalStateException("encoding into an exact-size array cannot fail", e);
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
    byte[] payload = NONE;
    long timeout = 0;
    Metadata metadata = Metadata.EMPTY;
    try {
      while (true) {
        int tag = in.readTag();
        switch (tag) {
          case 0 -> {
            return new WireRequest(service, method, payload, timeout, metadata);
          }
          case 10 -> service = in.readStringRequireUtf8();
          case 18 -> method = in.readStringRequireUtf8();
          case 26 -> payload = in.readByteArray();
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
              return new WireRequest(service, method, payload, timeout, metadata);
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
