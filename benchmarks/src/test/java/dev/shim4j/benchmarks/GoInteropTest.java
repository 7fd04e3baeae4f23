package dev.shim4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.MethodDescriptor;
import dev.shim4j.ttrpc.MethodType;
import dev.shim4j.ttrpc.Server;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our ttrpc against the Go reference (Debian's golang-github-containerd-ttrpc-dev, ttrpc 1.1:
 * unary only), in both directions. Needs golang-go and that package installed: CI installs them.
 */
@Timeout(300)
class GoInteropTest {
  private static Path goEcho;

  @TempDir Path dir;

  /** Builds benchmarks/go-echo offline in GOPATH mode. */
  @BeforeAll
  static void buildGoEcho() throws Exception {
    Path source = Path.of("go-echo").toAbsolutePath();
    Path out = Path.of("target", "go-echo-bin").toAbsolutePath();
    Path gopath = Files.createDirectories(Path.of("target", "gopath").toAbsolutePath());
    ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", out.toString(), ".")
        .directory(source.toFile()).redirectErrorStream(true);
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOFLAGS", "");
    pb.environment().put("GOPATH", "/usr/share/gocode:" + gopath);
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("go build failed:%n%s", log).isZero();
    goEcho = out;
  }

  private static BytesValue payload(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31);
    }
    return BytesValue.of(ByteString.copyFrom(b));
  }

  private Process startGoServer(Path socket) throws Exception {
    Process p = new ProcessBuilder(goEcho.toString(), "server", socket.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("go-server.log").toFile()).start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(socket)) {
      assertThat(p.isAlive()).as("go server died: %s", log("go-server.log")).isTrue();
      assertThat(System.nanoTime()).as("go server socket never appeared").isLessThan(end);
      Thread.sleep(20);
    }
    return p;
  }

  private String log(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private record Run(int exit, String output) {}

  private static Run runGo(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(goEcho.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out.strip());
  }

  @Test
  void javaClientCallsGoServer() throws Exception {
    Path socket = dir.resolve("go.sock");
    Process server = startGoServer(socket);
    try (Client client = Client.connect("unix://" + socket)) {
      for (int size : new int[] {0, 1, 64, 65536, 1 << 20}) {
        BytesValue req = payload(size);
        assertThat(client.call(EchoService.ECHO, req, CallOptions.timeout(Duration.ofSeconds(10))))
            .isEqualTo(req);
      }
      // many callers on the one connection: ids stay odd and increasing for the Go server
      try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int seed = t;
          fs.add(pool.submit(() -> {
            for (int i = 0; i < 100; i++) {
              BytesValue req = payload(seed * 100 + i);
              assertThat(client.call(EchoService.ECHO, req)).isEqualTo(req);
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get(60, TimeUnit.SECONDS);
        }
      }
      var missing = new MethodDescriptor<>(EchoService.SERVICE, "Nope", MethodType.UNARY,
          EchoService.ECHO.requestMarshaller(), EchoService.ECHO.responseMarshaller());
      assertThatThrownBy(() -> client.call(missing, payload(1)))
          .isInstanceOfSatisfying(TtrpcException.class,
              e -> assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED));
      var otherService = EchoService.ECHO.withService("no.Such");
      assertThatThrownBy(() -> client.call(otherService, payload(1)))
          .isInstanceOfSatisfying(TtrpcException.class,
              e -> assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED));
      assertThat(client.call(EchoService.ECHO, payload(3))).isEqualTo(payload(3));
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void javaClientSeesGoServerGoAway() throws Exception {
    Path socket = dir.resolve("go2.sock");
    Process server = startGoServer(socket);
    try (Client client = Client.connect(socket)) {
      assertThat(client.call(EchoService.ECHO, payload(8))).isEqualTo(payload(8));
      var closed = new java.util.concurrent.CountDownLatch(1);
      client.onClose(closed::countDown);
      server.destroyForcibly();
      assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> client.call(EchoService.ECHO, payload(8)))
          .isInstanceOfSatisfying(TtrpcException.class,
              e -> assertThat(e.code()).isEqualTo(Code.UNAVAILABLE));
    } finally {
      server.destroyForcibly();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void goClientCallsJavaServer() throws Exception {
    Path socket = dir.resolve("java.sock");
    Server server = Server.builder().register(EchoService.definition()).build().bind(socket);
    try {
      Run small = runGo("client", socket.toString(), "500", "64");
      assertThat(small.exit()).as(small.output()).isZero();
      assertThat(small.output()).isEqualTo("ok 500");

      Run big = runGo("client", socket.toString(), "20", String.valueOf(1 << 20));
      assertThat(big.exit()).as(big.output()).isZero();
      assertThat(big.output()).isEqualTo("ok 20");

      Run unknownMethod = runGo("status", socket.toString(), EchoService.SERVICE, "Nope");
      assertThat(unknownMethod.output()).startsWith("12 ").contains("bench.Echo/Nope");
      Run unknownService = runGo("status", socket.toString(), "no.Such", "Echo");
      assertThat(unknownService.output()).startsWith("12 ").contains("no.Such");
      Run ok = runGo("status", socket.toString(), EchoService.SERVICE, "Echo");
      assertThat(ok.output()).isEqualTo("0");
    } finally {
      server.close();
    }
  }
}
