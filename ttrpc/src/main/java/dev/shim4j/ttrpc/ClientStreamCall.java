package dev.shim4j.ttrpc;

/** A client-streaming call in progress: send requests, close, then read the one response. */
public interface ClientStreamCall<Req, Resp> extends StreamSender<Req> {
  /** Tells the server no more requests come (an empty data frame with remote-closed|no-data). */
  void closeSend();

  /** Waits for the server's single response; throws TtrpcException on an error status. */
  Resp response() throws InterruptedException;
}
