package dev.shim4j.ttrpc;

/** gRPC status codes, as ttrpc carries them in {@code google.rpc.Status.code}. */
public enum Code {
  OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS,
  PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE,
  UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS, UNAUTHENTICATED;

  private static final Code[] BY_VALUE = values();

  /** The number on the wire. */
  public int value() {
    return ordinal();
  }

  /** The code for a wire number; numbers no code has map to UNKNOWN, as gRPC does. */
  public static Code of(int value) {
    return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
  }
}
