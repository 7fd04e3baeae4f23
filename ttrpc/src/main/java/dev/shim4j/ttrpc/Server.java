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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A ttrpc server on Unix domain sockets. Handlers run concurrently (a virtual thread per call),
 * responses are written as they finish, one writer per connection.
 *
 * <p><b>Limits.</b> Hostile or broken peers get bounded memory and a clear refusal while the
 * server goes on serving the others:
 *
 * <ul>
 *   <li>At most {@link Builder#maxConnections} connections (default
 *       {@value #DEFAULT_MAX_CONNECTIONS}); one more is accepted and closed at once, so its
 *       client reads end-of-stream (or a reset) before any answer. The listener keeps accepting.
 *   <li>Frames up to {@link Builder#maxMessageSize} (4 MiB); a bigger one is read past and
 *       answered RESOURCE_EXHAUSTED. Memory for a frame follows the bytes that arrived, not the
 *       length announced.
 *   <li>Per connection at most {@value ServerConnection#MAX_UNANSWERED} calls in flight plus
 *       answers queued (and two maximal frames' worth of queued answer bytes); beyond that the
 *       server stops reading the connection until the peer has read half of it back
 *       (back-pressure: the peer's writes block, nothing is refused).
 *   <li>A frame started and not completed within {@link Builder#frameStallTimeout} (default
 *       {@value #DEFAULT_STALL_SECONDS} s) closes its connection. Idle time between frames is
 *       unlimited.
 *   <li>No error ends the accept loop: a failed accept (EMFILE, ENFILE, out of memory, ...) is
 *       logged and retried after a backoff of up to a second.
 * </ul>
 *
 * <p><b>Why the connection count is right under concurrency.</b> Several listeners may accept
 * while connections close on their own threads. A connection takes its slot by a compare-and-set
 * that fails when the count is at the limit (so the count never passes it), and gives it back in
 * exactly one place: when it leaves the set of connections, which {@code Set.remove} reports
 * true for once; a connection that fails before joining the set gives its slot back where it
 * failed. So every slot taken is returned once, and a refused client never holds one.
 *
 * <p><b>Out of memory.</b> The limits above are what keeps the server within its heap; an
 * {@link OutOfMemoryError} that happens anyway leaves a process whose threads may have died at
 * any point (a reader, a writer, a timer), which a shim must not go on pretending to be. The
 * shim4j launchers therefore run with {@code -XX:+ExitOnOutOfMemoryError}: the shim exits and
 * containerd sees its connection close, as for any crashed shim. An embedding program should do
 * the same; this class only makes sure its own accept loop never dies of one.
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
  static final int DEFAULT_MAX_CONNECTIONS = 4096;
  static final long DEFAULT_STALL_SECONDS = 10;
  private static final long MAX_ACCEPT_BACKOFF_MILLIS = 1000;
  /**
   * Connections the kernel queues before we accept them (capped by net.core.somaxconn), as Go's
   * listeners ask. Java's default of 50 made a burst of clients fail: a Unix socket connect does
   * not wait for a full backlog when the socket is non-blocking (Go's, a virtual thread's), it
   * fails with EAGAIN.
   */
  private static final int LISTEN_BACKLOG = 4096;

  private final int maxMessageSize;
  private final int maxConnections;
  private final long frameStallNanos;
  /** Connections admitted and not yet closed: admitted by CAS, so never above the limit. */
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicBoolean stallWatchStarted = new AtomicBoolean();
  private volatile boolean refusing;
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
    this.maxConnections = b.maxConnections;
    this.frameStallNanos = b.frameStallTimeout.toNanos();
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
      listener.bind(UnixDomainSocketAddress.of(path), LISTEN_BACKLOG);
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

  /**
   * Accepts until the server stops. Each iteration catches everything: an accept that fails for
   * lack of file descriptors or memory is retried after a growing pause (the condition usually
   * passes as connections close), never ends the loop.
   */
  private void acceptLoop(ServerSocketChannel listener) {
    int failures = 0;
    while (!stopping && listener.isOpen()) {
      try {
        SocketChannel channel = listener.accept();
        admit(channel);
        failures = 0;
      } catch (Throwable t) {
        if (stopping || !listener.isOpen()) {
          return;
        }
        long pause = Math.min(MAX_ACCEPT_BACKOFF_MILLIS, 10L << Math.min(failures, 10));
        failures++;
        if (failures == 1 || failures % 100 == 0) {
          logAcceptFailure(t, failures, pause);
        }
        try {
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void logAcceptFailure(Throwable t, int failures, long pause) {
    try {
      log().log(Level.WARNING, "ttrpc accept failed (" + failures + " in a row); retrying in "
          + pause + " ms", t);
    } catch (Throwable ignored) {
      // logging itself failed (e.g. out of memory): the loop goes on regardless
    }
  }

  private void admit(SocketChannel channel) {
    boolean admitted = false;
    ServerConnection connection = null;
    try {
      if (!takeSlot()) {
        refuse(channel);
        return;
      }
      admitted = true;
      Optional<PeerCredentials> peer = peerOf(channel);
      if (!peerPolicy.allows(peer)) {
        log().fine(() -> "ttrpc peer refused: " + peer);
        closeQuietly(channel);
        open.decrementAndGet();
        return;
      }
      firstConnection.countDown();
      connection = new ServerConnection(this, channel, peer);
      connections.add(connection);
      admitted = false; // from here on the connection gives its slot back when it closes
      if (stopping) {
        connection.close();
        return;
      }
      connection.start();
    } catch (Throwable t) {
      if (connection != null) {
        connection.close();
      } else {
        closeQuietly(channel);
      }
      if (admitted) {
        open.decrementAndGet();
      }
      throw t;
    }
  }

  private boolean takeSlot() {
    while (true) {
      int n = open.get();
      if (n >= maxConnections) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        refusing = false;
        return true;
      }
    }
  }

  /** Over the limit: closed at once, so the client sees end-of-stream rather than a hang. */
  private void refuse(SocketChannel channel) {
    closeQuietly(channel);
    if (!refusing) {
      refusing = true;
      log().warning(() -> "ttrpc connection limit of " + maxConnections
          + " reached; refusing new connections until some close");
    }
  }

  /** Called by a reader that started to wait inside a frame: makes sure the watchdog runs. */
  void watchStalls() {
    if (!stallWatchStarted.get() && stallWatchStarted.compareAndSet(false, true)) {
      long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), frameStallNanos / 4);
      timers().every(period, () -> {
        long now = System.nanoTime();
        for (ServerConnection c : connections) {
          c.closeIfStalled(now, frameStallNanos);
        }
      });
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
    } catch (IOException | RuntimeException ignored) {
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

  /** Calls in flight plus answers queued, summed over the connections (for tests). */
  int unansweredWork() {
    int n = 0;
    for (ServerConnection c : connections) {
      n += c.unansweredWork();
    }
    return n;
  }

  /** Bytes of answers queued for writing, summed over the connections (for tests). */
  long queuedAnswerBytes() {
    long n = 0;
    for (ServerConnection c : connections) {
      n += c.queuedAnswerBytes();
    }
    return n;
  }

  void connectionClosed(ServerConnection connection) {
    if (connections.remove(connection)) {
      open.decrementAndGet();
    }
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
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration frameStallTimeout = Duration.ofSeconds(DEFAULT_STALL_SECONDS);

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

    /**
     * Connections served at once; {@value Server#DEFAULT_MAX_CONNECTIONS} unless set. One more
     * is accepted and closed at once.
     */
    public Builder maxConnections(int connections) {
      if (connections <= 0) {
        throw new IllegalArgumentException("maxConnections must be positive");
      }
      this.maxConnections = connections;
      return this;
    }

    /**
     * How long a started frame may stay incomplete before its connection is closed;
     * {@value Server#DEFAULT_STALL_SECONDS} s unless set. Idle time between frames is not
     * limited.
     */
    public Builder frameStallTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("frameStallTimeout must be positive");
      }
      this.frameStallTimeout = timeout;
      return this;
    }

    public Server build() {
      return new Server(this);
    }
  }
}
