package dev.shim4j.benchmarks;

import dev.shim4j.ttrpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code ttrpc-echo-server SOCKET_PATH}: serves bench.Echo/Echo on a Unix socket until it is
 * told to stop (SIGTERM/SIGINT), then shuts down gracefully. A stale socket file is replaced.
 */
public final class EchoServer {
  private EchoServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ttrpc-echo-server SOCKET_PATH");
      System.exit(2);
    }
    Path socket = Path.of(args[0]);
    Files.deleteIfExists(socket);
    Server server = Server.builder().register(EchoService.definition()).build().bind(socket);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.shutdown(Duration.ofSeconds(2));
        Files.deleteIfExists(socket);
      } catch (Exception e) {
        server.close();
      }
    }));
    System.out.println("serving bench.Echo on " + socket);
    server.awaitTermination();
  }
}
