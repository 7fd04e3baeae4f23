package dev.shim4j.shim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A JVM's end of the start hand-off: the socket on which a spare ({@link Prefork}) or a live
 * daemon ({@link WarmStarts}) answers the {@code start}s of the distribution's launcher,
 * {@code shim4j-start} (launcher/src/main/resources/dev/shim4j/launcher/shim4j-start.c; the format is {@link StartWire}).
 * Connections are served concurrently, each on a virtual thread: it reads the request (within
 * {@link #REQUEST_DEADLINE}, bounded in size), and the {@link Handler} either declines it or takes
 * it and sends the final reply: start's status, and what start wrote on stdout and stderr.
 *
 * <p>Why this is correct under any interleaving: the responder never writes to containerd's pipes;
 * it hands the launcher bytes, and the launcher alone writes them, once, after it has them all.
 * So a launcher that gave up on this responder (a timeout) and started cold, a responder killed
 * mid-reply, or two launchers at once can never put two answers on one containerd's stdout. A
 * start that the responder runs after its launcher gave up is the same start run twice, which is
 * idempotent (the second finds the first's daemon), and a daemon made for it that containerd
 * never connects to exits on its own (ShimServer's first-connection deadline). Only peers of this
 * process's own user are served (SO_PEERCRED); the launcher checks the same of us.
 */
final class StartResponder implements AutoCloseable {
  /** A launcher writes its whole request at once; a peer slower than this is dropped. */
  static final Duration REQUEST_DEADLINE = Duration.ofSeconds(5);
  private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("start-responder-deadlines").factory());

  private final ServerSocketChannel listener;
  private final Path socket;
  private final Object socketKey;
  private final UserPrincipal owner;

  private StartResponder(ServerSocketChannel listener, Path socket) throws IOException {
    this.listener = listener;
    this.socket = socket;
    this.socketKey = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).fileKey();
    this.owner = Files.getOwner(socket, LinkOption.NOFOLLOW_LINKS);
  }

  /** What to do with one launcher's request. */
  interface Handler {
    void handle(Exchange exchange) throws IOException;
  }

  /** One launcher's connection and request; decline or take it, then reply once. */
  static final class Exchange {
    private final SocketChannel channel;
    private final StartWire.Request request;
    private boolean taken;
    private boolean done;

    Exchange(SocketChannel channel, StartWire.Request request) {
      this.channel = channel;
      this.request = request;
    }

    StartWire.Request request() {
      return request;
    }

    /** The launcher tries the next responder or starts cold. */
    synchronized void decline() {
      if (!done && !taken) {
        done = true;
        send(new byte[] {StartWire.DECLINED});
      }
    }

    /** This start is ours: the launcher waits for {@link #reply}. */
    synchronized void take() throws IOException {
      if (done || taken) {
        throw new IllegalStateException("answered already");
      }
      taken = true;
      write(new byte[] {StartWire.TAKEN});
    }

    /** Start's outcome, for the launcher to pass on to containerd; once. */
    synchronized void reply(int status, byte[] stdout, byte[] stderr) {
      if (!taken || done) {
        return;
      }
      done = true;
      send(StartWire.reply(status, stdout, stderr));
    }

    private void send(byte[] bytes) {
      try {
        write(bytes);
      } catch (IOException e) {
        // the launcher gave up: it starts cold, which finds whatever this start made
      } finally {
        closeQuietly(channel);
      }
    }

    private void write(byte[] bytes) throws IOException {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
  }

  /**
   * Listens on {@code socket} (mode 0600; a stale file of that name, a dead process's with this
   * pid, is replaced). Launchers that connect from now on wait in the backlog until {@link
   * #serve}.
   */
  static StartResponder bind(Path socket) throws IOException {
    Files.deleteIfExists(socket);
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      listener.bind(UnixDomainSocketAddress.of(socket), UnixListener.BACKLOG);
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      return new StartResponder(listener, socket);
    } catch (IOException | RuntimeException e) {
      listener.close();
      Files.deleteIfExists(socket);
      throw e;
    }
  }

  Path socket() {
    return socket;
  }

  /** Accepts until {@link #close}; each connection on a virtual thread of its own. */
  void serve(Handler handler) {
    while (listener.isOpen()) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread.ofVirtual().name("start-responder").start(() -> exchange(channel, handler));
    }
  }

  private void exchange(SocketChannel channel, Handler handler) {
    Exchange exchange = null;
    try {
      if (!ownUser(channel)) {
        closeQuietly(channel);
        return;
      }
      ScheduledFuture<?> deadline = DEADLINES.schedule(() -> closeQuietly(channel),
          REQUEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      StartWire.Request request;
      try {
        InputStream in = Channels.newInputStream(channel);
        request = StartWire.read(in);
      } finally {
        deadline.cancel(false);
      }
      exchange = new Exchange(channel, request);
      handler.handle(exchange);
    } catch (IOException | RuntimeException e) {
      if (exchange != null) {
        exchange.decline(); // (no-op once answered)
        exchange.reply(1, new byte[0], ("start failed: " + Bootstrap.describe(e) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      closeQuietly(channel);
    }
  }

  private boolean ownUser(SocketChannel channel) {
    try {
      UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
      return peer.user().equals(owner);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Stops accepting (launchers waiting in the backlog see the connection end) and unlinks. */
  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // closed either way
    }
    try {
      Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS).fileKey();
      if (key != null && key.equals(socketKey)) {
        Files.deleteIfExists(socket); // ours still: a later process with this pid may have its own
      }
    } catch (IOException e) {
      // gone already
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closed either way
    }
  }
}
