package dev.shim4j.runcshim;

import dev.shim4j.runc.ProcessIo;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.shim.reaper.Stdio;
import dev.shim4j.sys.FdInputStream;
import dev.shim4j.sys.FdOutputStream;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Terminal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The stdio of one container process, between containerd's targets (FIFOs, files, a logging
 * binary) and the process (pipes, or a pty in terminal mode). Copies run on virtual threads:
 * sys's fd streams park a virtual thread on a shared poller instead of blocking in native code,
 * so a copy costs no OS thread and no stack, which keeps a node-wide shim small.
 *
 * <p>Lifecycle: {@link #open}, hand {@link #childIo()} to runc, then {@link #childStarted()} (our
 * copies of the child's ends are closed so EOF can arrive), {@link #attachConsole} in terminal
 * mode, {@link #awaitOutput} after the exit, {@link #close()} on delete.
 *
 * <p>Copies start only once runc created the process ({@link #childStarted()}): until then the
 * pipes hold nothing but what runc itself printed (a failed create's error, which goes back in
 * the RPC's error and must not reach the container's stderr too), and the stdin FIFO stays
 * unopened, so a client's writes wait for the process instead of for nobody.
 *
 * <p>Stdin: the copy reads the FIFO until end of file (the client closed its writer) or CloseIO.
 * CloseIO never cuts data already in the FIFO: a client sends it once its input ended, so all
 * of that input is in the FIFO or already copied, and the read side is closed only once the
 * FIFO is empty ({@link #closeStdinWhenDrained}); the process reads everything, then EOF. A
 * CloseIO before the copy started is remembered and applied at its start. Unlike containerd's
 * runc shim we hold no writer of our own, so a client whose CloseIO got lost (ctr sends none
 * for an input that ends before its task exists) still ends the input by closing the FIFO.
 */
final class ProcessStdio implements AutoCloseable {
  private static final Logger LOG = ShimLogging.logger(ProcessStdio.class);
  private static final Duration BINARY_READY_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final boolean terminal;
  private final String stdinSpec;
  private final String stdoutSpec;
  private final String stderrSpec;

  /** Descriptors handed to the child; ours are closed once runc passed them on. */
  private final List<Integer> childEnds = new ArrayList<>();
  /** Descriptors we own until close. */
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final List<CompletableFuture<Void>> outputCopies = new ArrayList<>();
  /** Output copies set up by {@link #open}, started by {@link #childStarted()}. */
  private final List<PendingCopy> pendingCopies = new ArrayList<>();

  private Stdio childStdin = Stdio.devNull();
  private Stdio childStdout = Stdio.devNull();
  private Stdio childStderr = Stdio.devNull();

  /** The stdin FIFO, or null for none; opened when its copy starts. */
  private Path stdinFifo;
  /** Where stdin goes: the process's pipe (the pty master's copy is made at attach). */
  private OutputStream stdinSink;
  /** The stdin FIFO's read side once the copy started; null before. Guarded by this. */
  private FdInputStream stdinSource;
  /** Completes when the stdin copy ended. */
  private final CompletableFuture<Void> stdinCopied = new CompletableFuture<>();
  /** CloseIO(stdin) was asked for. Guarded by this. */
  private boolean stdinCloseRequested;
  /** Where the pty's output goes in terminal mode (stdout's sink); may be null for none. */
  private OutputStream terminalOutSink;
  private volatile int console = -1;
  private int ioUid;
  private int ioGid;
  private volatile boolean closed;

  private ProcessStdio(String name, boolean terminal, String stdin, String stdout, String stderr) {
    this.name = name;
    this.terminal = terminal;
    this.stdinSpec = stdin;
    this.stdoutSpec = stdout;
    this.stderrSpec = stderr;
  }

  /**
   * Opens the targets and prepares what the process will get. {@code containerId} and
   * {@code namespace} are passed to a logging binary as CONTAINER_ID and CONTAINER_NAMESPACE.
   */
  static ProcessStdio open(String name, boolean terminal, String stdin, String stdout, String stderr,
      String containerId, String namespace) throws IOException {
    return open(name, terminal, stdin, stdout, stderr, containerId, namespace, 0, 0);
  }

  /**
   * As above; {@code ioUid}/{@code ioGid} (the runc options io_uid and io_gid) own the pipes the
   * process gets, so a process running as that user may reopen them (/dev/stdout is
   * /proc/self/fd/1, which checks the pipe's owner).
   */
  static ProcessStdio open(String name, boolean terminal, String stdin, String stdout, String stderr,
      String containerId, String namespace, int ioUid, int ioGid) throws IOException {
    ProcessStdio io = new ProcessStdio(name, terminal, stdin, stdout, stderr);
    io.ioUid = ioUid;
    io.ioGid = ioGid;
    try {
      io.setUp(containerId, namespace);
      return io;
    } catch (IOException | RuntimeException e) {
      io.close();
      throw e;
    }
  }

  String stdin() {
    return stdinSpec;
  }

  String stdout() {
    return stdoutSpec;
  }

  String stderr() {
    return stderrSpec;
  }

  boolean terminal() {
    return terminal;
  }

  private void setUp(String containerId, String namespace) throws IOException {
    StdioTarget in = StdioTarget.parse(stdinSpec);
    StdioTarget out = StdioTarget.parse(stdoutSpec);
    StdioTarget err = StdioTarget.parse(stderrSpec);

    if (in instanceof StdioTarget.Fifo f) {
      stdinFifo = f.path();
      if (!terminal) {
        Fds.Pipe p = ownedPipe();
        childStdin = Stdio.fd(childEnd(p.readFd()));
        stdinSink = new FdOutputStream(p.writeFd());
      }
    } else if (!(in instanceof StdioTarget.None)) {
      throw new IllegalArgumentException("stdin must be a FIFO or empty, not " + stdinSpec);
    }

    // A logging binary serves stdout and stderr together: start it once.
    int[] binaryEnds = null;
    if (out instanceof StdioTarget.Binary b) {
      binaryEnds = startLoggingBinary(b, containerId, namespace);
    } else if (err instanceof StdioTarget.Binary b) {
      binaryEnds = startLoggingBinary(b, containerId, namespace);
    }

    if (terminal) {
      // The pty merges stdout and stderr; everything goes to stdout's target.
      terminalOutSink = sinkStream(out, binaryEnds == null ? -1 : binaryEnds[0]);
      if (binaryEnds != null) {
        Fds.closeQuietly(binaryEnds[1]);
      }
      return;
    }
    childStdout = outputFor(out, binaryEnds == null ? -1 : binaryEnds[0], "stdout");
    childStderr = outputFor(err, binaryEnds == null ? -1 : binaryEnds[1], "stderr");
  }

  /**
   * The child's side of an output stream: a pipe copied to a FIFO, or the file/binary pipe
   * descriptor itself (no copy needed).
   */
  private Stdio outputFor(StdioTarget t, int binaryEnd, String stream) throws IOException {
    // if/instanceof rather than a type switch, here and in sinkStream: a type switch's bootstrap
    // spins a class at its first use (a millisecond or more of a cold JVM, not kept by the AOT
    // cache), and this runs inside the first Create.
    if (t instanceof StdioTarget.None) {
      return Stdio.devNull();
    } else if (t instanceof StdioTarget.Fifo f) {
      // O_RDWR: never blocks on open and never EPIPEs while containerd (re)attaches a reader.
      FdOutputStream sink = new FdOutputStream(Fds.openFifoReadWrite(f.path()));
      Fds.Pipe p = ownedPipe();
      pendingCopies.add(new PendingCopy(stream, new FdInputStream(p.readFd()), sink));
      return Stdio.fd(childEnd(p.writeFd()));
    } else if (t instanceof StdioTarget.File f) {
      return Stdio.fd(childEnd(openLogFile(f.path())));
    } else if (t instanceof StdioTarget.Binary) {
      return Stdio.fd(childEnd(binaryEnd));
    }
    throw new IllegalArgumentException("unknown stdio target " + t);
  }

  /** A stream to copy the pty's output into, or null to discard it. */
  private OutputStream sinkStream(StdioTarget t, int binaryEnd) throws IOException {
    if (t instanceof StdioTarget.None) {
      return null;
    } else if (t instanceof StdioTarget.Fifo f) {
      return new FdOutputStream(Fds.openFifoReadWrite(f.path()));
    } else if (t instanceof StdioTarget.File f) {
      return new FdOutputStream(openLogFile(f.path()));
    } else if (t instanceof StdioTarget.Binary) {
      return new FdOutputStream(binaryEnd);
    }
    throw new IllegalArgumentException("unknown stdio target " + t);
  }

  private static int openLogFile(Path path) throws IOException {
    java.nio.file.Files.createDirectories(path.toAbsolutePath().getParent());
    return Fds.open(path, Fds.O_WRONLY | Fds.O_APPEND | Fds.O_CREAT, 0640);
  }

  /**
   * Starts the logging binary with the read ends of two new pipes as fds 3 and 4 and a ready
   * pipe as fd 5 (closed or written by the binary when it is ready), as containerd's binary IO
   * does. Returns the write ends for stdout and stderr.
   */
  private int[] startLoggingBinary(StdioTarget.Binary b, String containerId, String namespace) throws IOException {
    Fds.Pipe out = Fds.pipe();
    Fds.Pipe err = Fds.pipe();
    Fds.Pipe ready = Fds.pipe();
    try {
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("CONTAINER_ID", containerId);
      env.put("CONTAINER_NAMESPACE", namespace);
      List<String> argv = new ArrayList<>();
      argv.add(b.binary().toString());
      argv.addAll(b.args());
      Command cmd = Command.of(argv)
          .withEnv(env)
          .withStdio(Stdio.devNull(), Stdio.devNull(), Stdio.devNull())
          .withExtraFds(Map.of(3, out.readFd(), 4, err.readFd(), 5, ready.writeFd()));
      Reaper.get().spawn(cmd);
    } catch (IOException | RuntimeException e) {
      out.close();
      err.close();
      ready.close();
      throw new IOException("cannot start logging binary " + b.binary() + ": " + e.getMessage(), e);
    }
    Fds.closeQuietly(out.readFd());
    Fds.closeQuietly(err.readFd());
    Fds.closeQuietly(ready.writeFd());
    try (FdInputStream r = new FdInputStream(ready.readFd())) {
      CompletableFuture<Integer> readyRead = CompletableFuture.supplyAsync(() -> {
        try {
          return r.read();
        } catch (IOException e) {
          return -1;
        }
      }, ProcessStdio::copyThread);
      readyRead.get(BINARY_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      Fds.closeQuietly(out.writeFd());
      Fds.closeQuietly(err.writeFd());
      throw new IOException("logging binary " + b.binary() + " did not get ready within "
          + BINARY_READY_TIMEOUT.toSeconds() + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + b.binary());
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause());
    }
    return new int[] {out.writeFd(), err.writeFd()};
  }

  /** A pipe owned by io_uid/io_gid when those are set (chown through the /proc fd link). */
  private Fds.Pipe ownedPipe() throws IOException {
    Fds.Pipe p = Fds.pipe();
    if (ioUid != 0 || ioGid != 0) {
      try {
        for (int fd : new int[] {p.readFd(), p.writeFd()}) {
          Path link = Path.of("/proc/self/fd/" + fd);
          java.nio.file.Files.setAttribute(link, "unix:uid", ioUid);
          java.nio.file.Files.setAttribute(link, "unix:gid", ioGid);
        }
      } catch (IOException | RuntimeException e) {
        p.close();
        throw new IOException("cannot give the stdio pipes to io_uid " + ioUid + " / io_gid " + ioGid
            + ": " + e.getMessage(), e);
      }
    }
    return p;
  }

  private int childEnd(int fd) {
    childEnds.add(fd);
    return fd;
  }

  private synchronized <T extends AutoCloseable> T own(T c) {
    owned.add(c);
    return c;
  }

  /** What runc passes to the process; all /dev/null in terminal mode (the pty carries I/O). */
  ProcessIo childIo() {
    return terminal ? ProcessIo.none() : new ProcessIo(childStdin, childStdout, childStderr);
  }

  /**
   * runc has handed the child ends to the process: close ours, so that the output pipes see EOF
   * when the process (and whatever inherited them) exits, then start copying output and stdin.
   */
  void childStarted() {
    for (int fd : childEnds) {
      Fds.closeQuietly(fd);
    }
    childEnds.clear();
    for (PendingCopy c : pendingCopies) {
      startCopy(c.stream(), c.source(), c.sink(), true);
    }
    pendingCopies.clear();
    if (!terminal && stdinFifo != null) {
      startStdinCopy(stdinSink);
    }
  }

  /** Terminal mode: the pty master runc sent over the console socket. */
  void attachConsole(int master) throws IOException {
    this.console = master;
    own(() -> Fds.closeQuietly(master));
    if (stdinFifo != null) {
      startStdinCopy(new FdOutputStream(Fds.dupCloexec(master, 3)));
    }
    OutputStream sink = terminalOutSink == null ? OutputStream.nullOutputStream() : terminalOutSink;
    startCopy("pty", new FdInputStream(Fds.dupCloexec(master, 3)), sink, true);
  }

  /**
   * ResizePty: TIOCSWINSZ on the master. A process without a terminal (or whose pty has not
   * arrived yet) has nothing to resize: that is no error, as for containerd's own runc shim, so a
   * client that resizes every process it attaches to does not fail on those without a pty.
   */
  void resize(int width, int height) throws IOException {
    if (console < 0) {
      return;
    }
    Terminal.setWindowSize(console, new Terminal.WindowSize(height, width));
  }

  /**
   * CloseIO(stdin): the process reads what is in the FIFO, then EOF. Before the copy started,
   * remembered for its start.
   */
  synchronized void closeStdin() {
    if (stdinCloseRequested) {
      return;
    }
    stdinCloseRequested = true;
    if (stdinSource != null) {
      closeStdinWhenDrained(stdinSource);
    }
  }

  /**
   * Closes the FIFO's read side once nothing is left in it: the copy, its only reader, then ends
   * and closes the process's side. A probe (a duplicate of the read side, so the copy closing
   * its descriptor cannot hand the number to another file meanwhile) is polled with growing
   * pauses; a chunk the copy has read but not yet written still reaches the process. Called
   * under this object's lock, as the copy's end and {@link #close()} close the read side.
   */
  private void closeStdinWhenDrained(FdInputStream source) {
    if (closed || stdinCopied.isDone()) {
      return; // the read side is closed already: its descriptor number may be another file's now
    }
    int probe;
    try {
      probe = Fds.dupCloexec(source.fd(), 3);
    } catch (IOException e) {
      source.close(); // nothing to keep it open for
      return;
    }
    copyThread(() -> {
      try {
        long pauseMillis = 2;
        while (!stdinCopied.isDone()) {
          if ((Fds.poll(probe, Fds.POLLIN, 0) & Fds.POLLIN) == 0) {
            source.close();
            return;
          }
          Thread.sleep(pauseMillis);
          pauseMillis = Math.min(pauseMillis * 2, 500);
        }
      } catch (IOException | InterruptedException e) {
        source.close();
      } finally {
        Fds.closeQuietly(probe);
      }
    }, name + "-stdin-close");
  }

  /**
   * Waits until the process's output reached its targets (EOF on every copied stream), up to
   * {@code timeout}: a daemonized grandchild may keep the pipes open forever.
   */
  boolean awaitOutput(Duration timeout) {
    CompletableFuture<?> all = CompletableFuture.allOf(outputCopies.toArray(CompletableFuture[]::new));
    try {
      all.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      LOG.log(Level.WARNING, "output of " + name + " not drained within " + timeout.toMillis() + " ms");
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true;
    }
  }

  /**
   * Opens the stdin FIFO's read side and starts copying it into {@code sink}. After an early
   * CloseIO a writer of ours comes and goes at once, so that the FIFO reads EOF once drained
   * even if the client never opened it. A FIFO that cannot be opened gives the process an empty
   * stdin.
   */
  private void startStdinCopy(OutputStream sink) {
    InputStream src;
    synchronized (this) {
      try {
        if (closed) {
          throw new IOException("stdio closed");
        }
        FdInputStream fifo = own(new FdInputStream(Fds.openFifoNonBlocking(stdinFifo, Fds.O_RDONLY)));
        src = fifo;
        stdinSource = fifo;
        if (stdinCloseRequested) {
          Fds.closeQuietly(Fds.openFifoNonBlocking(stdinFifo, Fds.O_WRONLY));
          closeStdinWhenDrained(fifo);
        }
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "stdin of " + name + ": cannot open " + stdinFifo + ": " + e.getMessage());
        }
        try {
          sink.close();
        } catch (IOException ignored) {
          // nothing to do
        }
        return;
      }
    }
    copyThread(() -> {
      try (sink) {
        src.transferTo(sink);
      } catch (IOException e) {
        // CloseIO or close() closed the source, or the process went away: all end the copy.
      } finally {
        synchronized (this) {
          try {
            src.close();
          } catch (IOException ignored) {
            // already closed
          }
          stdinCopied.complete(null);
        }
      }
    }, name + "-stdin");
  }

  private void startCopy(String stream, InputStream src, OutputStream sink, boolean closeSink) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    outputCopies.add(done);
    own(src); // close() ends a copy a lingering grandchild would keep alive
    copyThread(() -> {
      try {
        // sys's fd streams copy without a buffer of their own between reads: an idle copy
        // (most of a container's life) costs only its virtual thread.
        src.transferTo(sink);
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.DEBUG, "copy of " + name + " " + stream + " ended: " + e.getMessage());
        }
      } finally {
        try {
          src.close();
        } catch (IOException ignored) {
          // nothing to do
        }
        if (closeSink) {
          try {
            sink.close();
          } catch (IOException ignored) {
            // nothing to do
          }
        }
        done.complete(null);
      }
    }, name + "-" + stream);
  }

  /** An output copy from the process's pipe to its target, waiting for the process. */
  private record PendingCopy(String stream, FdInputStream source, FdOutputStream sink) {}

  private static Thread copyThread(Runnable r) {
    return Thread.ofVirtual().start(r);
  }

  private static void copyThread(Runnable r, String threadName) {
    Thread.ofVirtual().name("stdio-" + threadName).start(r);
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (int fd : childEnds) {
      Fds.closeQuietly(fd);
    }
    childEnds.clear();
    for (PendingCopy c : pendingCopies) {
      c.source().close();
      c.sink().close();
    }
    pendingCopies.clear();
    if (stdinSink != null) {
      try {
        stdinSink.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
    if (terminalOutSink != null && console < 0) {
      try {
        terminalOutSink.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    owned.clear();
  }
}
