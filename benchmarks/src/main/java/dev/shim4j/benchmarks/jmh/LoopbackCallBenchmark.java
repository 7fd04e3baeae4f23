package dev.shim4j.benchmarks.jmh;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.shim4j.benchmarks.EchoService;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** A unary echo call through our client and server over a Unix socket in one JVM. */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LoopbackCallBenchmark {
  @Param({"64", "65536"})
  public int size;

  private Path dir;
  private Server server;
  private Client client;
  private BytesValue request;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    dir = Files.createTempDirectory("ttrpc-jmh");
    Path socket = dir.resolve("echo.sock");
    server = Server.builder().register(EchoService.definition()).build().bind(socket);
    client = Client.connect(socket);
    request = BytesValue.of(ByteString.copyFrom(new byte[size]));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    client.close();
    server.close();
    Files.deleteIfExists(dir.resolve("echo.sock"));
    Files.deleteIfExists(dir);
  }

  @Benchmark
  @Threads(1)
  public BytesValue unaryCall() {
    return client.call(EchoService.ECHO, request);
  }

  @Benchmark
  @Threads(16)
  public BytesValue unaryCall16Callers() {
    return client.call(EchoService.ECHO, request);
  }
}
