package dev.shim4j.ttrpc;

import dev.shim4j.ttrpc.wire.Frame;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

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
  /**
   * Looked up at each (rare: failures, debug) use rather than held: the first lookup starts
   * java.util.logging, which costs a cold process milliseconds it may never need.
   */
  private static Logger log() {
    return Logger.getLogger(Server.class.getName());
  }

  private final Map<String, ServiceDefinition> services;
  private final List<UnaryInterceptor> interceptors;
  private final PeerPolicy peerPolicy;
  private final int maxMessageSize;
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final List<ServerSocketChannel> listeners = new ArrayList<>();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final CountDownLatch firstConnection = new CountDownLatch(1);
  private volatile boolean stopping;
  private volatile DeadlineTimer timers;

  private Server(Builder b) {
    Map<String, ServiceDefinition> byName = new HashMap<>();
    for (ServiceDefinition s : b.services) {
      if (byName.putIfAbsent(s.name(), s) != null) {
        throw new IllegalArgumentException("service registered twice: " + s.name());
      }
    }
    this.services = Map.copyOf(byName);
    this.interceptors = List.copyOf(b.interceptors);
    this.peerPolicy = b.peerPolicy;
    this.maxMessageSize = b.maxMessageSize;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts accepting on an already-bound listener (possibly inherited from a parent) and returns. */
  public Server serve(ServerSocketChannel listener) throws IOException {
    synchronized (listeners) {
      if (stopping) {
        throw new IllegalStateException("server is stopped");
      }
      listener.configureBlocking(true);
      listeners.add(listener);
    }
    // Virtual: accept parks it, and a platform thread's stack would stay resident for nothing.
    Thread.ofVirtual().name("ttrpc-accept").start(() -> acceptLoop(listener));
    return this;
  }

  /** Binds a new Unix socket at {@code path} (mode 0600) and starts serving on it. */
  public Server bind(Path path) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      listener.bind(UnixDomainSocketAddress.of(path));
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      listener.close();
      throw e;
    }
    return serve(listener);
  }

  /** Stops accepting, lets in-flight calls finish for up to {@code grace}, closes connections. */
  public void shutdown(Duration grace) throws InterruptedException {
    stopAccepting();
    for (ServerConnection c : connections) {
      c.drain();
    }
    maybeTerminated();
    if (!terminated.await(grace.toNanos(), TimeUnit.NANOSECONDS)) {
      close();
    }
  }

  /** Blocks until the server has stopped (after shutdown or close). */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /** Waits at most {@code timeout} for a peer the policy allows to connect; true once one has. */
  public boolean awaitConnection(Duration timeout) throws InterruptedException {
    return firstConnection.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Waits at most {@code timeout} for the server to stop; true if it has. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Stops at once: closes the listener and every connection, failing in-flight calls. */
  @Override
  public void close() {
    stopAccepting();
    for (ServerConnection c : connections) {
      c.close();
    }
    maybeTerminated();
  }

  private void stopAccepting() {
    synchronized (listeners) {
      stopping = true;
      for (ServerSocketChannel l : listeners) {
        try {
          l.close();
        } catch (IOException e) {
          log().log(Level.FINE, "closing listener", e);
        }
      }
      listeners.clear();
    }
  }

  private void acceptLoop(ServerSocketChannel listener) {
    while (!stopping) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        if (!stopping) {
          log().log(Level.WARNING, "ttrpc accept failed; listener stops", e);
        }
        return;
      }
      Optional<PeerCredentials> peer = peerOf(channel);
      if (!peerPolicy.allows(peer)) {
        log().fine(() -> "ttrpc peer refused: " + peer);
        closeQuietly(channel);
        continue;
      }
      firstConnection.countDown();
      ServerConnection connection = new ServerConnection(this, channel, peer);
      connections.add(connection);
      if (stopping) {
        connection.close();
        return;
      }
      connection.start();
    }
  }

  private static Optional<PeerCredentials> peerOf(SocketChannel channel) {
    try {
      UnixDomainPrincipal p = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
      return Optional.of(new PeerCredentials(p.user().getName(), p.group().getName()));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // refused anyway
    }
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  ServiceDefinition service(String name) {
    return services.get(name);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  Object invokeUnary(CallContext context, UnaryHandler handler, Object request) throws Exception {
    UnaryInterceptor.Next next = handler::handle;
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      UnaryInterceptor interceptor = interceptors.get(i);
      UnaryInterceptor.Next inner = next;
      next = (ctx, req) -> interceptor.intercept(ctx, req, inner);
    }
    return next.proceed(context, request);
  }

  DeadlineTimer timers() {
    DeadlineTimer t = timers;
    if (t == null) {
      synchronized (this) {
        t = timers;
        if (t == null) {
          timers = t = new DeadlineTimer();
        }
      }
    }
    return t;
  }

  void connectionClosed(ServerConnection connection) {
    connections.remove(connection);
    maybeTerminated();
  }

  private void maybeTerminated() {
    if (stopping && connections.isEmpty() && terminated.getCount() > 0) {
      DeadlineTimer t = timers;
      if (t != null) {
        t.shutdown();
      }
      terminated.countDown();
    }
  }

  public static final class Builder {
    private final List<ServiceDefinition> services = new ArrayList<>();
    private final List<UnaryInterceptor> interceptors = new ArrayList<>();
    private PeerPolicy peerPolicy = PeerPolicy.SAME_USER;
    private int maxMessageSize = Frame.MAX_PAYLOAD;

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

    /** The largest frame payload accepted and sent; 4 MiB (the ttrpc default) unless set. */
    public Builder maxMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxMessageSize must be positive");
      }
      this.maxMessageSize = bytes;
      return this;
    }

    public Server build() {
      return new Server(this);
    }
  }
}
