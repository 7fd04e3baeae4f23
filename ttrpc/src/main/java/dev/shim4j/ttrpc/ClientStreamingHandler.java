package dev.shim4j.ttrpc;

/** Serves a client-streaming method: reads the requests, answers once. */
@FunctionalInterface
public interface ClientStreamingHandler<Req, Resp> {
  Resp handle(CallContext context, StreamReceiver<Req> requests) throws Exception;
}
