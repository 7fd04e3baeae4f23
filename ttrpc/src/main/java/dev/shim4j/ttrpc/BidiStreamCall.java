package dev.shim4j.ttrpc;

/** A bidirectional-streaming call in progress. */
public interface BidiStreamCall<Req, Resp> extends StreamSender<Req>, StreamReceiver<Resp> {
  /** Tells the server no more requests come. */
  void closeSend();
}
