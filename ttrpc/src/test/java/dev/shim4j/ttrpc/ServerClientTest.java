package dev.shim4j.ttrpc;

import static dev.shim4j.ttrpc.Echo.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;
import dev.shim4j.ttrpc.wire.Frame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ServerClientTest {
  static final MethodDescriptor<StringValue, StringValue> FAIL = Echo.UNARY.withService("test.Fail");

  @TempDir Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T t) {
    closeables.add(t);
    return t;
  }

  private Path serve(Server.Builder builder) throws Exception {
    Path socket = dir.resolve("s.sock");
    closeLater(builder.build().bind(socket));
    return socket;
  }

  private Path serveEcho() throws Exception {
    return serve(Server.builder().register(Echo.service()));
  }

  private Client client(Path socket) throws Exception {
    return closeLater(Client.connect("unix://" + socket));
  }

  @Test
  void unaryEcho() throws Exception {
    Client client = client(serveEcho());
    assertThat(client.call(Echo.UNARY, s("hello")).getValue()).isEqualTo("hello");
    assertThat(client.call(Echo.UNARY, s("")).getValue()).isEmpty();
  }

  @Test
  void connectAcceptsPlainPathsAndPaths() throws Exception {
    Path socket = serveEcho();
    assertThat(closeLater(Client.connect(socket.toString())).call(Echo.UNARY, s("a")).getValue())
        .isEqualTo("a");
    assertThat(closeLater(Client.connect(socket)).call(Echo.UNARY, s("b")).getValue())
        .isEqualTo("b");
  }

  @Test
  void bindMakesTheSocketOwnerOnly() throws Exception {
    Path socket = serveEcho();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");
  }

  @Test
  void unknownServiceAndMethodAreUnimplemented() throws Exception {
    Client client = client(serveEcho());
    assertThatThrownBy(() -> client.call(Echo.UNARY.withService("no.Such"), s("x")))
        .isInstanceOfSatisfying(TtrpcException.class, e -> {
          assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
          assertThat(e.getMessage()).contains("no.Such");
        });
    var missing = new MethodDescriptor<>(Echo.SERVICE, "Nope", MethodType.UNARY,
        Echo.UNARY.requestMarshaller(), Echo.UNARY.responseMarshaller());
    assertThatThrownBy(() -> client.call(missing, s("x")))
        .isInstanceOfSatisfying(TtrpcException.class, e -> {
          assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
          assertThat(e.getMessage()).contains("test.Echo/Nope");
        });
    assertThat(client.call(Echo.UNARY, s("still fine")).getValue()).isEqualTo("still fine");
  }

  @Test
  void handlerExceptionsBecomeStatusCodesAndTheConnectionStays() throws Exception {
    byte[] details = {0x1a, 0x03, 0x0a, 0x01, 0x78};
    ServiceDefinition failing = ServiceDefinition.builder("test.Fail")
        .unary(FAIL, (ctx, req) -> switch (req.getValue()) {
          case "notfound" -> throw new NoSuchElementException("no such thing");
          case "exists" -> throw TtrpcException.alreadyExists("already there");
          case "details" -> throw new TtrpcException(Code.FAILED_PRECONDITION, "d", null, details);
          case "npe" -> throw new NullPointerException();
          case "null" -> null;
          default -> throw new IllegalArgumentException("bad " + req.getValue());
        })
        .build();
    Client client = client(serve(Server.builder().register(failing)));

    assertThat(codeOf(() -> client.call(FAIL, s("notfound")))).isEqualTo(Code.NOT_FOUND);
    assertThat(codeOf(() -> client.call(FAIL, s("exists")))).isEqualTo(Code.ALREADY_EXISTS);
    assertThat(codeOf(() -> client.call(FAIL, s("npe")))).isEqualTo(Code.UNKNOWN);
    assertThat(codeOf(() -> client.call(FAIL, s("null")))).isEqualTo(Code.UNKNOWN);
    assertThatThrownBy(() -> client.call(FAIL, s("other")))
        .isInstanceOfSatisfying(TtrpcException.class, e -> {
          assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getMessage()).isEqualTo("bad other");
        });
    assertThatThrownBy(() -> client.call(FAIL, s("details")))
        .isInstanceOfSatisfying(TtrpcException.class, e -> {
          assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION);
          assertThat(e.details()).isEqualTo(details);
        });
    assertThat(client.isOpen()).isTrue();
  }

  static Code codeOf(Runnable r) {
    try {
      r.run();
    } catch (TtrpcException e) {
      return e.code();
    }
    throw new AssertionError("no exception");
  }

  @Test
  void metadataAndPeerReachTheHandler() throws Exception {
    AtomicReference<CallContext> seen = new AtomicReference<>();
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          seen.set(ctx);
          return req;
        }).build();
    Client client = client(serve(Server.builder().register(svc)));

    client.call(Echo.UNARY, s("x"), CallOptions.DEFAULT
        .withMetadata(Metadata.CONTAINERD_NAMESPACE, "ns1")
        .withMetadata("X-Multi", "a").withMetadata("x-multi", "b"));

    CallContext ctx = seen.get();
    assertThat(ctx.service()).isEqualTo(Echo.SERVICE);
    assertThat(ctx.method()).isEqualTo("Echo");
    assertThat(ctx.metadata().get(Metadata.CONTAINERD_NAMESPACE)).contains("ns1");
    assertThat(ctx.metadata().getAll("x-multi")).containsExactly("a", "b");
    assertThat(ctx.remaining()).isEmpty();
    assertThat(ctx.peer()).hasValueSatisfying(
        p -> assertThat(p.user()).isEqualTo(System.getProperty("user.name")));
  }

  @Test
  void interceptorsRunInOrderAroundTheHandler() throws Exception {
    List<String> trace = Collections.synchronizedList(new ArrayList<>());
    Client client = client(serve(Server.builder().register(Echo.service())
        .intercept((ctx, req, next) -> {
          trace.add("outer>" + ctx.method());
          Object r = next.proceed(ctx, req);
          trace.add("outer<");
          return r;
        })
        .intercept((ctx, req, next) -> {
          trace.add("inner>");
          StringValue in = (StringValue) req;
          StringValue out = (StringValue) next.proceed(ctx, s(in.getValue() + "!"));
          trace.add("inner<");
          return s(out.getValue() + "?");
        })));

    assertThat(client.call(Echo.UNARY, s("hi")).getValue()).isEqualTo("hi!?");
    assertThat(trace).containsExactly("outer>Echo", "inner>", "inner<", "outer<");
  }

  @Test
  void interceptorCanRefuseACall() throws Exception {
    Client client = client(serve(Server.builder().register(Echo.service())
        .intercept((ctx, req, next) -> {
          if (ctx.metadata().get("token").isEmpty()) {
            throw new TtrpcException(Code.PERMISSION_DENIED, "no token");
          }
          return next.proceed(ctx, req);
        })));
    assertThat(codeOf(() -> client.call(Echo.UNARY, s("x")))).isEqualTo(Code.PERMISSION_DENIED);
    assertThat(client.call(Echo.UNARY, s("x"), CallOptions.DEFAULT.withMetadata("token", "t"))
        .getValue()).isEqualTo("x");
  }

  @Test
  void manyConcurrentCallersShareOneConnection() throws Exception {
    Client client = client(serve(Server.builder().register(Echo.service())));
    int callers = 32;
    int calls = 200;
    try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < callers; t++) {
        int caller = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < calls; i++) {
            String v = caller + ":" + i;
            assertThat(client.call(Echo.UNARY, s(v)).getValue()).isEqualTo(v);
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(20, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void largeMessagesRoundTrip() throws Exception {
    Client client = client(serveEcho());
    BytesValue big = Echo.bytes(Frame.MAX_PAYLOAD - 64);
    assertThat(client.call(Echo.BYTES, big)).isEqualTo(big);
    BytesValue mid = Echo.bytes(65536);
    assertThat(client.call(Echo.BYTES, mid)).isEqualTo(mid);
  }

  @Test
  void oversizeRequestIsRefusedLocallyAndNothingIsSent() throws Exception {
    AtomicReference<Integer> calls = new AtomicReference<>(0);
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.BYTES, (ctx, req) -> {
          calls.updateAndGet(n -> n + 1);
          return req;
        }).build();
    Client client = client(serve(Server.builder().register(svc)));
    assertThatThrownBy(() -> client.call(Echo.BYTES, Echo.bytes(Frame.MAX_PAYLOAD)))
        .isInstanceOfSatisfying(TtrpcException.class,
            e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
    assertThat(client.call(Echo.BYTES, Echo.bytes(10))).isEqualTo(Echo.bytes(10));
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void oversizeResponseBecomesResourceExhausted() throws Exception {
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.BYTES, (ctx, req) -> Echo.bytes(Frame.MAX_PAYLOAD + 10)).build();
    Client client = client(serve(Server.builder().register(svc)));
    assertThat(codeOf(() -> client.call(Echo.BYTES, Echo.bytes(1))))
        .isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void smallerConfiguredLimitApplies() throws Exception {
    Client client = client(serve(Server.builder().register(Echo.service()).maxMessageSize(1000)));
    // The client allows 4 MiB, so this is sent; the server discards it and answers.
    assertThat(codeOf(() -> client.call(Echo.BYTES, Echo.bytes(2000))))
        .isEqualTo(Code.RESOURCE_EXHAUSTED);
    assertThat(client.call(Echo.BYTES, Echo.bytes(100))).isEqualTo(Echo.bytes(100));
  }

  @Test
  void clientTimeoutFailsWithDeadlineExceededAndTheServerSeesTheDeadline() throws Exception {
    CompletableFuture<Boolean> cancelledSeen = new CompletableFuture<>();
    AtomicReference<CallContext> ctxSeen = new AtomicReference<>();
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          ctxSeen.set(ctx);
          if (req.getValue().equals("slow")) {
            try {
              Thread.sleep(10_000);
            } catch (InterruptedException e) {
              cancelledSeen.complete(ctx.isCancelled());
              throw e;
            }
          }
          return req;
        }).build();
    Client client = client(serve(Server.builder().register(svc)));

    long start = System.nanoTime();
    assertThatThrownBy(() -> client.call(Echo.UNARY, s("slow"),
        CallOptions.timeout(Duration.ofMillis(300))))
        .isInstanceOfSatisfying(TtrpcException.class,
            e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(cancelledSeen.get(5, TimeUnit.SECONDS)).isTrue();

    // The abandoned call's late answer (if any) is dropped; the connection keeps working.
    assertThat(client.call(Echo.UNARY, s("fast"), CallOptions.timeout(Duration.ofSeconds(5)))
        .getValue()).isEqualTo("fast");
    assertThat(ctxSeen.get().remaining()).hasValueSatisfying(
        d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5)));
  }

  @Test
  void serverAnswersDeadlineExceededOnItsOwn() throws Exception {
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          // ignores interrupts and cancellation, as a badly behaved handler would
          long end = System.nanoTime() + 3_000_000_000L;
          while (System.nanoTime() < end) {
            Thread.onSpinWait();
          }
          return req;
        }).build();
    Path socket = serve(Server.builder().register(svc));
    try (RawConnection raw = RawConnection.connect(socket)) {
      raw.write(new Frame(1, Frame.TYPE_REQUEST, (byte) 0,
          new dev.shim4j.ttrpc.wire.WireRequest(Echo.SERVICE, "Echo", s("x").toByteArray(),
              200_000_000L, Metadata.EMPTY).encode()));
      long start = System.nanoTime();
      var response = raw.response(1);
      assertThat(response.status().code()).isEqualTo(Code.DEADLINE_EXCEEDED.value());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void manyConcurrentDeadlinesAllExpireOnTheServer() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(40);
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          try {
            Thread.sleep(20_000);
          } finally {
            if (ctx.isCancelled()) {
              cancelled.countDown();
            }
          }
          return req;
        }).build();
    Path socket = serve(Server.builder().register(svc));
    try (RawConnection raw = RawConnection.connect(socket)) {
      for (int i = 0; i < 40; i++) {
        raw.write(new Frame(2 * i + 1, Frame.TYPE_REQUEST, (byte) 0,
            new dev.shim4j.ttrpc.wire.WireRequest(Echo.SERVICE, "Echo", s("x").toByteArray(),
                100_000_000L + i * 1_000_000L, Metadata.EMPTY).encode()));
      }
      java.util.Set<Integer> answered = new java.util.HashSet<>();
      for (int i = 0; i < 40; i++) {
        Frame f = raw.read();
        assertThat(f.type()).isEqualTo(Frame.TYPE_RESPONSE);
        var r = dev.shim4j.ttrpc.wire.WireResponse.decode(f.payload());
        assertThat(r.status().code()).isEqualTo(Code.DEADLINE_EXCEEDED.value());
        answered.add(f.streamId());
      }
      assertThat(answered).hasSize(40);
      assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void droppedConnectionFailsPendingCallsPromptlyAndRunsOnClose() throws Exception {
    CountDownLatch entered = new CountDownLatch(3);
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          entered.countDown();
          Thread.sleep(20_000);
          return req;
        }).build();
    Server server = Server.builder().register(svc).build().bind(dir.resolve("d.sock"));
    Client client = client(dir.resolve("d.sock"));
    CountDownLatch closed = new CountDownLatch(1);
    client.onClose(closed::countDown);

    List<CompletableFuture<Code>> pending = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pending.add(CompletableFuture.supplyAsync(() -> codeOf(() -> client.call(Echo.UNARY, s("x")))));
    }
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    long start = System.nanoTime();
    server.close();

    for (CompletableFuture<Code> f : pending) {
      assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(Code.UNAVAILABLE);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(client.isOpen()).isFalse();
    assertThat(codeOf(() -> client.call(Echo.UNARY, s("x")))).isEqualTo(Code.UNAVAILABLE);
    // registered after the close: still runs, once
    CountDownLatch late = new CountDownLatch(1);
    client.onClose(late::countDown);
    assertThat(late.getCount()).isZero();
  }

  @Test
  void shutdownFinishesInFlightCallsWhileCloseFailsThem() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          if (req.getValue().equals("slow")) {
            entered.countDown();
            Thread.sleep(500);
          }
          return req;
        }).build();
    Server server = Server.builder().register(svc).build().bind(dir.resolve("g.sock"));
    Client busy = client(dir.resolve("g.sock"));
    Client idle = client(dir.resolve("g.sock"));
    assertThat(idle.call(Echo.UNARY, s("warm")).getValue()).isEqualTo("warm");
    CountDownLatch idleClosed = new CountDownLatch(1);
    idle.onClose(idleClosed::countDown);

    CompletableFuture<String> slow =
        CompletableFuture.supplyAsync(() -> busy.call(Echo.UNARY, s("slow")).getValue());
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    server.shutdown(Duration.ofSeconds(10));

    assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("slow");
    assertThat(idleClosed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(server.awaitTermination(Duration.ofSeconds(1))).isTrue();
    assertThatThrownBy(() -> Client.connect(dir.resolve("g.sock")))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void shutdownGraceRunsOutThenCloses() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    ServiceDefinition svc = ServiceDefinition.builder(Echo.SERVICE)
        .unary(Echo.UNARY, (ctx, req) -> {
          entered.countDown();
          Thread.sleep(20_000);
          return req;
        }).build();
    Server server = Server.builder().register(svc).build().bind(dir.resolve("h.sock"));
    Client client = client(dir.resolve("h.sock"));
    CompletableFuture<Code> call =
        CompletableFuture.supplyAsync(() -> codeOf(() -> client.call(Echo.UNARY, s("x"))));
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

    long start = System.nanoTime();
    server.shutdown(Duration.ofMillis(300));
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo(Code.UNAVAILABLE);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    server.awaitTermination();
  }

  @Test
  void peerPolicyRefusalClosesTheConnectionAtOnce() throws Exception {
    AtomicReference<java.util.Optional<PeerCredentials>> asked = new AtomicReference<>();
    Path socket = serve(Server.builder().register(Echo.service()).peerPolicy(peer -> {
      asked.set(peer);
      return false;
    }));
    try (RawConnection raw = RawConnection.connect(socket)) {
      try {
        raw.request(1, (byte) 0, Echo.SERVICE, "Echo", s("x").toByteArray());
      } catch (java.io.IOException alreadyClosed) {
        // the server may close before we even write: that is the point
      }
      assertThat(raw.read()).as("refused peer gets no answer, just EOF").isNull();
    }
    assertThat(asked.get()).hasValueSatisfying(
        p -> assertThat(p.user()).isEqualTo(System.getProperty("user.name")));
    Client client = client(socket);
    assertThat(codeOf(() -> client.call(Echo.UNARY, s("x")))).isEqualTo(Code.UNAVAILABLE);
  }

  @Test
  void sameUserPolicyIsTheDefaultAndAdmitsUs() throws Exception {
    assertThat(PeerPolicy.SAME_USER.allows(java.util.Optional.empty())).isFalse();
    assertThat(PeerPolicy.SAME_USER.allows(java.util.Optional.of(
        new PeerCredentials("someone-else-" + System.nanoTime(), "g")))).isFalse();
    Client client = client(serveEcho());
    assertThat(client.call(Echo.UNARY, s("me")).getValue()).isEqualTo("me");
  }

  @Test
  void clientOnClosedConnectionFailsUnavailable() throws Exception {
    Client client = Client.connect(serveEcho());
    client.close();
    assertThat(client.isOpen()).isFalse();
    assertThat(codeOf(() -> client.call(Echo.UNARY, s("x")))).isEqualTo(Code.UNAVAILABLE);
  }
}
