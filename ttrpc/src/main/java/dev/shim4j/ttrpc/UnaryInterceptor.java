package dev.shim4j.ttrpc;

/**
 * Wraps every unary call a server serves (logging, metrics, auth). Call {@code next} to go on;
 * the request and response are the decoded messages.
 */
@FunctionalInterface
public interface UnaryInterceptor {
  Object intercept(CallContext context, Object request, Next next) throws Exception;

  @FunctionalInterface
  interface Next {
    Object proceed(CallContext context, Object request) throws Exception;
  }
}
