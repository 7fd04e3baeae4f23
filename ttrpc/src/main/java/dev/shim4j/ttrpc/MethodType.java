package dev.shim4j.ttrpc;

/** The four call shapes of ttrpc 1.2. */
public enum MethodType {
  UNARY, SERVER_STREAMING, CLIENT_STREAMING, BIDI_STREAMING;

  public boolean clientStreams() {
    return this == CLIENT_STREAMING || this == BIDI_STREAMING;
  }

  public boolean serverStreams() {
    return this == SERVER_STREAMING || this == BIDI_STREAMING;
  }
}
