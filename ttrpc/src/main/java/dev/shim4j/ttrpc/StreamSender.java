package dev.shim4j.ttrpc;

/** The sending half of a stream. */
public interface StreamSender<T> {
  /** Sends one message; throws TtrpcException if the stream or connection is gone. */
  void send(T message);
}
