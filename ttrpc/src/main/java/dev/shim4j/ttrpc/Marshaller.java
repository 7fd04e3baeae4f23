package dev.shim4j.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

/** Turns a message into payload bytes and back. */
public interface Marshaller<T> {
  byte[] encode(T message);

  /** @throws InvalidProtocolBufferException when the bytes are not a valid message */
  T decode(byte[] bytes) throws InvalidProtocolBufferException;

  /** The marshaller of a protobuf message type, from its parser ({@code Foo.parser()}). */
  static <T extends MessageLite> Marshaller<T> of(Parser<T> parser) {
    return new Marshaller<>() {
      @Override
      public byte[] encode(T message) {
        return message.toByteArray();
      }

      @Override
      public T decode(byte[] bytes) throws InvalidProtocolBufferException {
        return parser.parseFrom(bytes);
      }
    };
  }
}
