package dev.shim4j.ttrpc;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A ttrpc server on Unix domain sockets. Handlers run concurrently (a virtual thread per call),
 * responses are written as they finish, one writer per connection.
 *
 * <pre>{@code
 * Server server = Server.builder().register(TaskTtrpc.bind(service)).build();
 * server.serve(listener);       // or server.bind(Path.of("/run/x.sock"))
 * ...
 * server.shutdown(Duration.ofSeconds(5));
 * }</pre>
 */
public final class Server implements AutoCloseable {
  private final List<ServiceDefinition> services;
  private final List<UnaryInterceptor> interceptors;
  private final PeerPolicy peerPolicy;

  private Server(Builder b) {
    this.services = List.copyOf(b.services);
    this.interceptors = List.copyOf(b.interceptors);
    this.peerPolicy = b.peerPolicy;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts accepting on an already-bound listener (possibly inherited from a parent) and returns. */
  public Server serve(ServerSocketChannel listener) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Binds a new Unix socket at {@code path} (mode 0600) and starts serving on it. */
  public Server bind(Path path) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Stops accepting, lets in-flight calls finish for up to {@code grace}, closes connections. */
  public void shutdown(Duration grace) throws InterruptedException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Blocks until the server has stopped (after shutdown or close). */
  public void awaitTermination() throws InterruptedException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Stops at once: closes the listener and every connection, failing in-flight calls. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public static final class Builder {
    private final List<ServiceDefinition> services = new ArrayList<>();
    private final List<UnaryInterceptor> interceptors = new ArrayList<>();
    private PeerPolicy peerPolicy = PeerPolicy.SAME_USER;

    public Builder register(ServiceDefinition service) {
      services.add(service);
      return this;
    }

    /** Interceptors run in the order added, the first outermost. */
    public Builder intercept(UnaryInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /** Who may connect; {@link PeerPolicy#SAME_USER} unless set. */
    public Builder peerPolicy(PeerPolicy policy) {
      this.peerPolicy = policy;
      return this;
    }

    public Server build() {
      return new Server(this);
    }
  }
}
