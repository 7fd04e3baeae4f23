package dev.shim4j.shim.event;

import com.google.protobuf.Empty;
import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.api.services.events.v1.ForwardRequest;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.TtrpcException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** containerd's events service as far as a shim can tell: records what was forwarded. */
final class FakeEventsService implements EventsTtrpc.Service {
  final List<Envelope> received = new ArrayList<>();
  final List<String> namespaceHeaders = new ArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  /** The next N calls fail with {@link #failCode}. */
  final AtomicInteger failNext = new AtomicInteger();
  volatile Code failCode = Code.INTERNAL;
  /** When set, every call waits for it (a containerd that hangs). */
  volatile CountDownLatch gate;
  final CountDownLatch firstCall = new CountDownLatch(1);

  @Override
  public Empty forward(CallContext ctx, ForwardRequest request) throws Exception {
    calls.incrementAndGet();
    firstCall.countDown();
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new TtrpcException(failCode, "fake failure");
    }
    CountDownLatch g = gate;
    if (g != null && !g.await(30, TimeUnit.SECONDS)) {
      throw new TtrpcException(Code.DEADLINE_EXCEEDED, "gate never opened");
    }
    synchronized (this) {
      received.add(request.getEnvelope());
      namespaceHeaders.add(ctx.metadata().get("containerd-namespace-ttrpc").orElse(""));
    }
    return Empty.getDefaultInstance();
  }

  synchronized List<Envelope> received() {
    return List.copyOf(received);
  }

  synchronized List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (Envelope e : received) {
      try {
        ids.add(dev.shim4j.api.events.TaskExit.parseFrom(e.getEvent().getValue()).getId());
      } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
        throw new AssertionError(ex);
      }
    }
    return ids;
  }
}
