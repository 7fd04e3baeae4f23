package dev.shim4j.ttrpc;

/** Serves a unary method. Throw {@link TtrpcException} to answer with a status. */
@FunctionalInterface
public interface UnaryHandler<Req, Resp> {
  Resp handle(CallContext context, Req request) throws Exception;
}
