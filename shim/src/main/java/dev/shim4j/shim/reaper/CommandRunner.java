package dev.shim4j.shim.reaper;

import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Signals;
import dev.shim4j.sys.SysException;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Reaper#run}: one child, its stdin fed and its output drained concurrently, each pump on
 * its own virtual thread (sys's fd streams park virtual threads instead of pinning carriers).
 */
final class CommandRunner {
  private static final long KILL_WAIT_SECONDS = 5;
  private static final long MIN_DRAIN_MILLIS = 200;

  private final Reaper reaper;
  private final ExecutorService pumps =
      Executors.newThreadPerTaskExecutor(NumberedThreads.virtual("reaper-io-"));

  CommandRunner(Reaper reaper) {
    this.reaper = reaper;
  }

  CommandResult run(Command command, byte[] stdin, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Command effective = stdin.length > 0 && !(command.stdin() instanceof Stdio.Pipe)
        ? command.withStdio(Stdio.pipe(), command.stdout(), command.stderr())
        : command;
    Child child = reaper.spawn(effective);
    Capture out = capture(child.stdout());
    Capture err = capture(child.stderr());
    if (child.stdin() != null) {
      feed(child.stdin(), stdin);
    }
    Exit exit;
    try {
      exit = child.exit().get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      killAndClose(child, out, err);
      throw new TimeoutException(
          command.argv().getFirst() + " did not finish within " + timeout + "; killed with SIGKILL");
    } catch (InterruptedException e) {
      killAndClose(child, out, err);
      throw e;
    } catch (ExecutionException e) {
      throw new IOException("reaper failed to deliver the exit", e.getCause());
    }
    long drainUntil = Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MIN_DRAIN_MILLIS));
    byte[] stdout = out.finish(drainUntil);
    byte[] stderr = err.finish(drainUntil);
    return new CommandResult(exit.status(), stdout, stderr);
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private void killAndClose(Child child, Capture out, Capture err) throws InterruptedException {
    try {
      Processes.kill(child.pid(), Signals.SIGKILL);
    } catch (SysException e) {
      // already gone (ESRCH) or a zombie waiting for the reaper: nothing left to kill
    }
    try {
      child.exit().get(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // SIGKILL cannot be ignored; a missing exit here means the reaper is behind, not the child
    }
    closeQuietly(child.stdin());
    out.abandon();
    err.abandon();
  }

  private void feed(OutputStream stdin, byte[] data) {
    pumps.execute(() -> {
      try (stdin) {
        stdin.write(data);
      } catch (IOException e) {
        // the child closed its stdin early (EPIPE); its exit status tells the story
      }
    });
  }

  private Capture capture(InputStream in) {
    if (in == null) {
      return Capture.NONE;
    }
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      // runc prints a line or a JSON document; the loop reads anything longer in turns.
      byte[] buf = new byte[8 * 1024];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (sink) {
            sink.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        // closed by abandon() or finish(): keep what was read
      }
    }, pumps);
    return new Capture(in, sink, done);
  }

  private static void closeQuietly(Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // cleanup path
    }
  }

  /** One drained output stream. */
  private record Capture(InputStream in, ByteArrayOutputStream sink, CompletableFuture<Void> done) {
    static final Capture NONE = new Capture(null, new ByteArrayOutputStream(), CompletableFuture.completedFuture(null));

    /** Waits for end of file until {@code deadline}, then cuts the stream off. */
    byte[] finish(long deadline) throws InterruptedException {
      try {
        done.get(remaining(deadline), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        abandon();
        try {
          done.get(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException ignored) {
          // the pump ends within one poll slice of the close; take what we have
        }
      }
      synchronized (sink) {
        return sink.toByteArray();
      }
    }

    void abandon() {
      closeQuietly(in);
    }
  }
}
