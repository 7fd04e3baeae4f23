package dev.shim4j.ttrpc;

import java.util.Objects;

/**
 * A call that ended with a non-OK status. Thrown by clients for error responses and by handlers to
 * answer with a particular code; any other handler exception is answered as {@link Code#UNKNOWN}
 * (or the code {@link #fromThrowable} derives), never by dropping the connection.
 */
public final class TtrpcException extends RuntimeException {
  private final Code code;
  private final byte[] details;

  public TtrpcException(Code code, String message) {
    this(code, message, null, new byte[0]);
  }

  public TtrpcException(Code code, String message, Throwable cause) {
    this(code, message, cause, new byte[0]);
  }

  /**
   * @param details the encoded {@code repeated google.protobuf.Any details} fields of the status
   *     (field 3 entries, tag included), kept opaque so that they survive a round trip.
   */
  public TtrpcException(Code code, String message, Throwable cause, byte[] details) {
    super(message, cause);
    if (Objects.requireNonNull(code) == Code.OK) {
      throw new IllegalArgumentException("an exception cannot carry OK");
    }
    this.code = code;
    this.details = details.clone();
  }

  public Code code() {
    return code;
  }

  public byte[] details() {
    return details.clone();
  }

  @Override
  public String toString() {
    return "ttrpc " + code + ": " + getMessage();
  }

  public static TtrpcException notFound(String message) {
    return new TtrpcException(Code.NOT_FOUND, message);
  }

  public static TtrpcException alreadyExists(String message) {
    return new TtrpcException(Code.ALREADY_EXISTS, message);
  }

  public static TtrpcException failedPrecondition(String message) {
    return new TtrpcException(Code.FAILED_PRECONDITION, message);
  }

  public static TtrpcException invalidArgument(String message) {
    return new TtrpcException(Code.INVALID_ARGUMENT, message);
  }

  public static TtrpcException unimplemented(String message) {
    return new TtrpcException(Code.UNIMPLEMENTED, message);
  }

  public static TtrpcException internal(String message, Throwable cause) {
    return new TtrpcException(Code.INTERNAL, message, cause);
  }

  public static TtrpcException unavailable(String message) {
    return new TtrpcException(Code.UNAVAILABLE, message);
  }

  /**
   * The status a handler's throwable is answered with: a TtrpcException keeps its code;
   * well-known JDK exceptions map to the code a caller can act on (NoSuchElementException and
   * NoSuchFileException to NOT_FOUND, FileAlreadyExistsException to ALREADY_EXISTS,
   * IllegalArgumentException to INVALID_ARGUMENT, IllegalStateException to FAILED_PRECONDITION,
   * UnsupportedOperationException to UNIMPLEMENTED, InterruptedException to CANCELLED,
   * TimeoutException to DEADLINE_EXCEEDED); anything else is UNKNOWN.
   */
  public static TtrpcException fromThrowable(Throwable t) {
    if (t instanceof TtrpcException e) {
      return e;
    }
    Code code = switch (t) {
      case java.util.NoSuchElementException ignored -> Code.NOT_FOUND;
      case java.nio.file.NoSuchFileException ignored -> Code.NOT_FOUND;
      case java.nio.file.FileAlreadyExistsException ignored -> Code.ALREADY_EXISTS;
      case IllegalArgumentException ignored -> Code.INVALID_ARGUMENT;
      case IllegalStateException ignored -> Code.FAILED_PRECONDITION;
      case UnsupportedOperationException ignored -> Code.UNIMPLEMENTED;
      case InterruptedException ignored -> Code.CANCELLED;
      case java.util.concurrent.TimeoutException ignored -> Code.DEADLINE_EXCEEDED;
      default -> Code.UNKNOWN;
    };
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    return new TtrpcException(code, message, t);
  }
}
