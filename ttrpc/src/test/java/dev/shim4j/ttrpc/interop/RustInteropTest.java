package dev.shim4j.ttrpc.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.Marshaller;
import dev.shim4j.ttrpc.MethodDescriptor;
import dev.shim4j.ttrpc.MethodType;
import dev.shim4j.ttrpc.Server;
import dev.shim4j.ttrpc.ServiceDefinition;
import dev.shim4j.ttrpc.TtrpcException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our ttrpc against ttrpc-rust 0.5 (the crate Debian ships as librust-ttrpc-dev), both ways:
 * the Rust peer of interop/rust-ttrpc is built with cargo offline and run as a child process.
 * Never skipped: without cargo or the crate it fails and names the packages to install.
 *
 * <p>Service bench.Echo; every message is one field 1 bytes ({@link BytesValue} on our side).
 */
class RustInteropTest {
  static final String SERVICE = "bench.Echo";
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  static final Duration PEER_RUN_TIMEOUT = Duration.ofMinutes(2);

  static MethodDescriptor<BytesValue, BytesValue> method(String name) {
    return new MethodDescriptor<>(SERVICE, name, MethodType.UNARY,
        Marshaller.of(BytesValue.parser()), Marshaller.of(BytesValue.parser()));
  }

  static final MethodDescriptor<BytesValue, BytesValue> ECHO = method("Echo");
  static final MethodDescriptor<BytesValue, BytesValue> META = method("Meta");
  static final MethodDescriptor<BytesValue, BytesValue> FAIL = method("Fail");

  static BytesValue payload(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 7 + seed);
    }
    return BytesValue.of(ByteString.copyFrom(b));
  }

  static BytesValue text(String s) {
    return BytesValue.of(ByteString.copyFromUtf8(s));
  }

  @TempDir
  Path dir;

  final ConcurrentLinkedQueue<String> seenMetadata = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Optional<Duration>> seenDeadlines = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void buildRustPeer() throws Exception {
    RustPeer.build();
  }

  // ---------------------------------------------------------------- Java client -> Rust server

  @Test
  void rustServerEchoes64BytesAnd64KiB() throws Exception {
    Path socket = dir.resolve("rust.sock");
    try (var server = RustPeer.startServer(socket, dir);
        Client client = Client.connect(socket)) {
      for (int size : new int[] {64, 64 * 1024}) {
        BytesValue sent = payload(size, size);
        assertThat(client.call(ECHO, sent, CallOptions.timeout(CALL_TIMEOUT)))
            .as("echo of %d bytes", size).isEqualTo(sent);
      }
      // an empty message (no field on the wire) round-trips too
      assertThat(client.call(ECHO, BytesValue.getDefaultInstance())).isEqualTo(
          BytesValue.getDefaultInstance());
      assertThat(server.isAlive()).isTrue();
    }
  }

  @Test
  void concurrentJavaCallersShareOneConnectionToRustServer() throws Exception {
    Path socket = dir.resolve("rust.sock");
    int callers = 8;
    int callsEach = 40;
    try (var server = RustPeer.startServer(socket, dir);
        Client client = Client.connect(socket);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int caller = c;
        results.add(pool.submit(() -> {
          for (int i = 0; i < callsEach; i++) {
            BytesValue sent = payload(i % 2 == 0 ? 64 : 64 * 1024, caller * 1000 + i);
            BytesValue got = client.call(ECHO, sent, CallOptions.timeout(CALL_TIMEOUT));
            if (!got.equals(sent)) {
              throw new AssertionError("caller " + caller + " call " + i + " got another echo");
            }
          }
          return callsEach;
        }));
      }
      int done = 0;
      for (Future<Integer> r : results) {
        done += r.get(2, TimeUnit.MINUTES);
      }
      assertThat(done).isEqualTo(callers * callsEach);
      assertThat(client.isOpen()).isTrue();
    }
  }

  @Test
  void metadataAndTimeoutReachTheRustHandler() throws Exception {
    Path socket = dir.resolve("rust.sock");
    try (var server = RustPeer.startServer(socket, dir);
        Client client = Client.connect(socket)) {
      CallOptions options = CallOptions.timeout(Duration.ofSeconds(7))
          .withMetadata("x-interop-peer", "java")
          .withMetadata("containerd-namespace-ttrpc", "interop");
      String seen = client.call(META, text(""), options).getValue().toStringUtf8();
      List<String> lines = seen.lines().toList();
      long timeoutNano = Long.parseLong(lines.get(0).substring("timeout_nano=".length()));
      assertThat(timeoutNano).as("remaining deadline sent as timeout_nano")
          .isPositive().isLessThanOrEqualTo(Duration.ofSeconds(7).toNanos());
      assertThat(lines.subList(1, lines.size())).containsExactly(
          "containerd-namespace-ttrpc=interop", "x-interop-peer=java");

      String none = client.call(META, text("")).getValue().toStringUtf8();
      assertThat(none).as("no deadline, no metadata").isEqualTo("timeout_nano=0");
    }
  }

  @Test
  void rustHandlerStatusCodesArriveAsTtrpcExceptions() throws Exception {
    Path socket = dir.resolve("rust.sock");
    try (var server = RustPeer.startServer(socket, dir);
        Client client = Client.connect(socket)) {
      for (Code code : List.of(Code.NOT_FOUND, Code.ALREADY_EXISTS, Code.FAILED_PRECONDITION,
          Code.UNIMPLEMENTED)) {
        assertThatThrownBy(() -> client.call(FAIL, text(Integer.toString(code.value()))))
            .isInstanceOfSatisfying(TtrpcException.class, e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.getMessage()).contains("rust peer failed on purpose");
            });
      }
      // the connection is still good after the errors
      assertThat(client.call(ECHO, text("still here"))).isEqualTo(text("still here"));
    }
  }

  /**
   * ttrpc-rust 0.5 answers an unknown method or service with INVALID_ARGUMENT
   * ("/svc/method does not exist"), not UNIMPLEMENTED as Go ttrpc and PROTOCOL.md §1 do;
   * our client must surface whatever code the peer sends.
   */
  @Test
  void unknownMethodIsAnErrorStatusFromTheRustServer() throws Exception {
    Path socket = dir.resolve("rust.sock");
    try (var server = RustPeer.startServer(socket, dir);
        Client client = Client.connect(socket)) {
      assertThatThrownBy(() -> client.call(method("NoSuchMethod"), text("x"),
          CallOptions.timeout(CALL_TIMEOUT)))
          .isInstanceOfSatisfying(TtrpcException.class, e -> {
            assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains("/bench.Echo/NoSuchMethod does not exist");
          });
      assertThatThrownBy(() -> client.call(ECHO.withService("no.Such"), text("x")))
          .isInstanceOfSatisfying(TtrpcException.class,
              e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT));
      assertThat(client.call(ECHO, text("after"))).isEqualTo(text("after"));
    }
  }

  // ---------------------------------------------------------------- Rust client -> Java server

  Server javaServer(Path socket) throws Exception {
    ServiceDefinition echo = ServiceDefinition.builder(SERVICE)
        .unary(ECHO, (ctx, req) -> {
          ctx.metadata().get("x-interop-peer").ifPresent(seenMetadata::add);
          seenDeadlines.add(ctx.remaining());
          return req;
        })
        .unary(FAIL, (ctx, req) -> {
          throw new TtrpcException(Code.of(Integer.parseInt(req.getValue().toStringUtf8())),
              "java handler failed on purpose");
        })
        .build();
    return Server.builder().register(echo).build().bind(socket);
  }

  @Test
  void rustClientVerifiesJavaServerEchoes() throws Exception {
    Path socket = dir.resolve("java.sock");
    try (Server server = javaServer(socket)) {
      var small = RustPeer.run(PEER_RUN_TIMEOUT, "client", socket.toString(), "200", "64", "4");
      assertThat(small.stdout()).as("rust client, stderr: %s", small.stderr())
          .isEqualTo("ok calls=200 size=64 threads=4");
      assertThat(small.exitCode()).isZero();

      var large = RustPeer.run(PEER_RUN_TIMEOUT, "client", socket.toString(), "40",
          Integer.toString(64 * 1024), "4");
      assertThat(large.stdout()).as("rust client, stderr: %s", large.stderr())
          .isEqualTo("ok calls=40 size=65536 threads=4");
      assertThat(large.exitCode()).isZero();
    }
    assertThat(seenMetadata).hasSize(240).containsOnly("rust");
    assertThat(seenDeadlines).hasSize(240).allSatisfy(d -> assertThat(d).hasValueSatisfying(
        left -> assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5))));
  }

  @Test
  void javaHandlerErrorsArriveInRustWithTheirCode() throws Exception {
    Path socket = dir.resolve("java.sock");
    try (Server server = javaServer(socket)) {
      for (Code code : List.of(Code.NOT_FOUND, Code.ALREADY_EXISTS, Code.FAILED_PRECONDITION)) {
        var r = RustPeer.run(PEER_RUN_TIMEOUT, "call", socket.toString(), SERVICE, "Fail",
            Integer.toString(code.value()));
        assertThat(r.stdout()).as("rust call, stderr: %s", r.stderr()).isEqualTo(
            "error code=" + code.value() + " name=" + code.name()
                + " message=java handler failed on purpose");
      }
      var unknown = RustPeer.run(PEER_RUN_TIMEOUT, "call", socket.toString(), SERVICE,
          "NoSuchMethod", "x");
      assertThat(unknown.stdout()).as("rust call, stderr: %s", unknown.stderr())
          .startsWith("error code=12 name=UNIMPLEMENTED message=");

      var ok = RustPeer.run(PEER_RUN_TIMEOUT, "call", socket.toString(), SERVICE, "Echo",
          "hello");
      assertThat(ok.stdout()).isEqualTo("ok payload=hello");
    }
  }
}
