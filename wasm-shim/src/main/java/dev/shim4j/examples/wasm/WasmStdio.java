package dev.shim4j.examples.wasm;

import dev.shim4j.sys.FdInputStream;
import dev.shim4j.sys.FdOutputStream;
import dev.shim4j.sys.Fds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;

/**
 * An instance's stdio, straight onto containerd's targets: WASI's {@code fd_write} on fd 1 or 2
 * writes to the stdout or stderr FIFO (or log file) itself, with no pipe and no copying thread
 * between, and {@code fd_read} on fd 0 reads the stdin FIFO. So output written before the
 * instance ends is in the FIFO before its TaskExit is published.
 *
 * <p>Targets: a FIFO path (what ctr and CRI hand over), {@code file://PATH} (appended to), or
 * empty (nothing). A logging binary ({@code binary://}) and a terminal are refused at Create: a
 * module has no process to give either to.
 *
 * <p>Output FIFOs are opened O_RDWR (never blocks, never EPIPEs while containerd's reader comes
 * and goes); stdin's read side is opened when the instance starts (O_NONBLOCK open, blocking
 * reads), so it sees end of file once the client closes its writer. A client whose writer never
 * opened (ctr opens it only once the read side is open, and gives up when its input ended
 * before) sends CloseIO instead: {@link #closeStdin()} then opens and closes a writer of its
 * own, which is what lets the reader see end of file (Linux reports a FIFO's hang-up only after
 * a writer came and went since the reader opened); data already in the FIFO is read first. A
 * CloseIO before the start is remembered and applied when stdin opens. {@link #close()} from
 * another thread ends a read or write the instance is blocked in: sys's fd streams wait in poll
 * with a wake-up, which is how a kill gets an instance out of a host call.
 */
final class WasmStdio implements AutoCloseable {
  private final String stdinSpec;
  private final String stdoutSpec;
  private final String stderrSpec;
  private final OutputStream stdout;
  private final OutputStream stderr;
  private InputStream stdin = InputStream.nullInputStream();
  private boolean stdinOpen;
  private boolean stdinCloseRequested;
  private boolean closed;

  private WasmStdio(String stdin, String stdout, String stderr, OutputStream out, OutputStream err) {
    this.stdinSpec = stdin;
    this.stdoutSpec = stdout;
    this.stderrSpec = stderr;
    this.stdout = out;
    this.stderr = err;
  }

  /** Opens the output targets; IllegalArgumentException for a target a module cannot have. */
  static WasmStdio open(String stdin, String stdout, String stderr, boolean terminal) throws IOException {
    if (terminal) {
      throw new IllegalArgumentException("a wasm container has no terminal: run it without a tty");
    }
    checkInputTarget(stdin);
    OutputStream out = openOutput(stdout);
    try {
      return new WasmStdio(stdin, stdout, stderr, out, openOutput(stderr));
    } catch (IOException | RuntimeException e) {
      out.close();
      throw e;
    }
  }

  String stdinSpec() {
    return stdinSpec;
  }

  String stdoutSpec() {
    return stdoutSpec;
  }

  String stderrSpec() {
    return stderrSpec;
  }

  /** Opens stdin's FIFO (when there is one) for the instance about to start. */
  synchronized InputStream openStdin() throws IOException {
    if (!stdinSpec.isEmpty() && !closed) {
      stdin = new FdInputStream(Fds.openFifoNonBlocking(Path.of(stdinSpec), Fds.O_RDONLY));
      stdinOpen = true;
      if (stdinCloseRequested) {
        passWriterThrough();
      }
    }
    return stdin;
  }

  /** CloseIO of stdin: the instance reads what is in the FIFO, then end of file. */
  synchronized void closeStdin() throws IOException {
    stdinCloseRequested = true;
    if (stdinOpen && !closed) {
      passWriterThrough();
    }
  }

  /** A writer that comes and goes: with no other writer left, the reader sees end of file. */
  private void passWriterThrough() throws IOException {
    Fds.closeQuietly(Fds.openFifoNonBlocking(Path.of(stdinSpec), Fds.O_WRONLY));
  }

  OutputStream stdout() {
    return stdout;
  }

  OutputStream stderr() {
    return stderr;
  }

  /** Closes every stream: the instance's blocked reads and writes end, readers see EOF. */
  @Override
  public synchronized void close() {
    closed = true;
    for (AutoCloseable c : new AutoCloseable[] {stdin, stdout, stderr}) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing is all that is left to do
      }
    }
  }

  private static void checkInputTarget(String spec) {
    if (!spec.isEmpty() && spec.contains("://")) {
      throw new IllegalArgumentException("stdin must be a FIFO path or empty, not " + spec);
    }
  }

  private static OutputStream openOutput(String spec) throws IOException {
    if (spec.isEmpty()) {
      return OutputStream.nullOutputStream();
    }
    if (!spec.contains("://")) {
      return new FdOutputStream(Fds.openFifoReadWrite(Path.of(spec)));
    }
    URI uri = URI.create(spec);
    if ("file".equals(uri.getScheme()) && uri.getPath() != null && !uri.getPath().isEmpty()) {
      return new FdOutputStream(Fds.open(Path.of(uri.getPath()), Fds.O_WRONLY | Fds.O_CREAT | Fds.O_APPEND, 0640));
    }
    throw new IllegalArgumentException("unsupported stdio target " + spec + ": a FIFO path, file://PATH or empty");
  }
}
