package dev.shim4j.ttrpc.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * {@code google.rpc.Status { 1: int32 code; 2: string message; 3: repeated Any details }}.
 * The details stay opaque: {@code details} holds the encoded field-3 entries, tags included,
 * so they survive a round trip without this module knowing {@code Any}.
 */
public record WireStatus(int code, String message, byte[] details) {
  private static final byte[] NONE = new byte[0];

  public WireStatus {
    message = message == null ? "" : message;
    details = details == null ? NONE : details;
  }

  public int serializedSize() {
    int size = 0;
    if (code != 0) {
      size += CodedOutputStream.computeInt32Size(1, code);
    }
    if (!message.isEmpty()) {
      size += CodedOutputStream.computeStringSize(2, message);
    }
    return size + details.length;
  }

  public void writeTo(CodedOutputStream out) throws IOException {
    if (code != 0) {
      out.writeInt32(1, code);
    }
    if (!message.isEmpty()) {
      out.writeString(2, message);
    }
    out.writeRawBytes(details);
  }

  public static WireStatus parse(CodedInputStream in) throws IOException {
    int code = 0;
    String message = "";
    ByteArrayOutputStream details = null;
    while (true) {
      int tag = in.readTag();
      switch (tag) {
        case 0 -> {
          return new WireStatus(code, message, details == null ? NONE : details.toByteArray());
        }
        case 8 -> code = in.readInt32();
        case 18 -> message = in.readStringRequireUtf8();
        case 26 -> {
          byte[] entry = in.readByteArray();
          if (details == null) {
            details = new ByteArrayOutputStream();
          }
          CodedOutputStream out = CodedOutputStream.newInstance(details);
          out.writeByteArray(3, entry);
          out.flush();
        }
        default -> {
          if (!in.skipField(tag)) {
            return new WireStatus(code, message, details == null ? NONE : details.toByteArray());
          }
        }
      }
    }
  }

}
