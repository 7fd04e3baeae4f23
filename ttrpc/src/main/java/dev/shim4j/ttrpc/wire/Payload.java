package dev.shim4j.ttrpc.wire;

import com.google.protobuf.CodedOutputStream;
import dev.shim4j.ttrpc.Marshaller;
import java.io.IOException;

/**
 * The payload field of a Request or Response as it is being encoded: either bytes at hand or a
 * message its marshaller writes straight into the body (saving a copy of big payloads).
 */
public abstract sealed class Payload {
  private static final byte[] NONE = new byte[0];
  public static final Payload EMPTY = of(NONE);

  abstract int size();

  abstract void writeTo(CodedOutputStream out) throws IOException;

  public static Payload of(byte[] bytes) {
    return new Bytes(bytes == null ? NONE : bytes, 0, bytes == null ? 0 : bytes.length);
  }

  public static Payload of(byte[] bytes, int offset, int length) {
    return new Bytes(bytes, offset, length);
  }

  /** The message, encoded by {@code marshaller} when the body is written. */
  public static <T> Payload of(Marshaller<T> marshaller, T message) {
    int size = marshaller.encodedSize(message);
    if (size < 0) {
      return of(marshaller.encode(message));
    }
    return new Message<>(marshaller, message, size);
  }

  static final class Bytes extends Payload {
    private final byte[] bytes;
    private final int offset;
    private final int length;

    Bytes(byte[] bytes, int offset, int length) {
      this.bytes = bytes;
      this.offset = offset;
      this.length = length;
    }

    @Override
    int size() {
      return length;
    }

    @Override
    void writeTo(CodedOutputStream out) throws IOException {
      out.writeRawBytes(bytes, offset, length);
    }
  }

  static final class Message<T> extends Payload {
    private final Marshaller<T> marshaller;
    private final T message;
    private final int size;

    Message(Marshaller<T> marshaller, T message, int size) {
      this.marshaller = marshaller;
      this.message = message;
      this.size = size;
    }

    @Override
    int size() {
      return size;
    }

    @Override
    void writeTo(CodedOutputStream out) throws IOException {
      marshaller.encodeTo(message, out);
    }
  }
}
