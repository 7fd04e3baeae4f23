package dev.shim4j.ttrpc;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The test echo service in a JVM of its own, for probes whose failure would be an
 * OutOfMemoryError or a dead accept loop: run with a small heap and
 * {@code -XX:+ExitOnOutOfMemoryError}, a server that over-allocates exits, which a test sees.
 *
 * <p>Arguments: socket path, then optional max connections and frame stall timeout (ms).
 */
final class ChildEchoServer {
  private ChildEchoServer() {}

  public static void main(String[] args) throws Exception {
    Server.Builder b = Server.builder().register(Echo.service());
    if (args.length > 1) {
      b.maxConnections(Integer.parseInt(args[1]));
    }
    if (args.length > 2) {
      b.frameStallTimeout(Duration.ofMillis(Long.parseLong(args[2])));
    }
    Server server = b.build().bind(Path.of(args[0]));
    System.out.println("READY");
    System.out.flush();
    server.awaitTermination();
  }
}
