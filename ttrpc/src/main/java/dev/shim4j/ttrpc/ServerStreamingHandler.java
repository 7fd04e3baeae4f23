package dev.shim4j.ttrpc;

/** Serves a server-streaming method: sends any number of responses; the stream ends on return. */
@FunctionalInterface
public interface ServerStreamingHandler<Req, Resp> {
  void handle(CallContext context, Req request, StreamSender<Resp> responses) throws Exception;
}
