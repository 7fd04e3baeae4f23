package dev.shim4j.ttrpc;

/** Serves a bidirectional-streaming method; the response stream ends on return. */
@FunctionalInterface
public interface BidiStreamingHandler<Req, Resp> {
  void handle(CallContext context, StreamReceiver<Req> requests, StreamSender<Resp> responses)
      throws Exception;
}
