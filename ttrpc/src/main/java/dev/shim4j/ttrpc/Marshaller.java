package dev.shim4j.ttrpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.util.Arrays;

/**
 * Turns a message into payload bytes and back.
 *
 * <p>Only {@link #encode} and {@link #decode(byte[])} are required. The other methods let the
 * transport skip copies: decoding from a slice of the frame it read, and encoding straight into
 * the frame body it sends.
 */
public interface Marshaller<T> {
  byte[] encode(T message);

  /** @throws InvalidProtocolBufferException when the bytes are not a valid message */
  T decode(byte[] bytes) throws InvalidProtocolBufferException;

  /**
   * Decodes {@code length} bytes at {@code offset}. The bytes are never modified afterwards, so
   * the message may keep referring to them.
   */
  default T decode(byte[] bytes, int offset, int length) throws InvalidProtocolBufferException {
    if (offset == 0 && length == bytes.length) {
      return decode(bytes);
    }
    return decode(Arrays.copyOfRange(bytes, offset, offset + length));
  }

  /** The encoded size of {@code message}, or -1 when unknown without encoding it. */
  default int encodedSize(T message) {
    return -1;
  }

  /** Writes exactly {@link #encodedSize} bytes; called only when that is not -1. */
  default void encodeTo(T message, CodedOutputStream out) throws IOException {
    out.writeRawBytes(encode(message));
  }

  /** The marshaller of a protobuf message type, from its parser ({@code Foo.parser()}). */
  static <T extends MessageLite> Marshaller<T> of(Parser<T> parser) {
    return new Marshaller<>() {
      @Override
      public byte[] encode(T message) {
        return message.toByteArray();
      }

      @Override
      public T decode(byte[] bytes) throws InvalidProtocolBufferException {
        return decode(bytes, 0, bytes.length);
      }

      @Override
      public T decode(byte[] bytes, int offset, int length)
          throws InvalidProtocolBufferException {
        // Aliasing: bytes fields share the frame's array instead of copying it. Safe because
        // the transport never reuses a payload array once handed over.
        CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
        in.enableAliasing(true);
        return parser.parseFrom(in);
      }

      @Override
      public int encodedSize(T message) {
        return message.getSerializedSize();
      }

      @Override
      public void encodeTo(T message, CodedOutputStream out) throws IOException {
        message.writeTo(out);
      }
    };
  }
}
