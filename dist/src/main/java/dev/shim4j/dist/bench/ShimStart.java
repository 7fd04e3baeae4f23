package dev.shim4j.dist.bench;

import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.CommandResult;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One shim started the way containerd starts it ({@code BINARY -namespace NS -id ID -address A
 * -publish-binary B start} in the bundle, stdin empty), then probed with Connect until its daemon
 * answers. Timed from just before the exec of {@code start}.
 */
final class ShimStart {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final CallOptions CALL = CallOptions.timeout(Duration.ofSeconds(5));

  /** What one start measured: times in nanoseconds since the exec of {@code start}. */
  record Result(String address, long startExited, long connectAnswered, int daemonPid) {}

  private ShimStart() {}

  static Result run(BenchShim shim, BenchEnv env, String id) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(shim.binary().toString(),
        "-namespace", env.namespace(), "-id", id, "-address", env.containerdAddress(),
        "-publish-binary", env.publishBinary(), "start"));
    // Spawned through the shim library's reaper, as everything in this project is.
    Command start = Command.of(command).withCwd(env.bundle());
    long t0 = System.nanoTime();
    CommandResult ran;
    try {
      ran = Reaper.get().run(start, new byte[0], DEADLINE);
    } catch (TimeoutException e) {
      throw new IOException(shim.name() + " start did not exit within " + DEADLINE, e);
    }
    long exited = System.nanoTime() - t0;
    // containerd 1.6 reads stdout and stderr together: both must hold only the address.
    String answer = (ran.stdoutText() + ran.stderrText()).strip();
    if (!ran.succeeded() || !answer.startsWith("unix://") || answer.contains("\n")) {
      throw new IOException(shim.name() + " start exited " + ran.status() + " printing: " + answer);
    }
    ConnectResponse connected = connect(answer, id, t0);
    return new Result(answer, exited, System.nanoTime() - t0, connected.getShimPid());
  }

  /** Connect, retried until the daemon answers (Go's daemon binds its socket after start exits). */
  private static ConnectResponse connect(String address, String id, long t0) throws IOException, InterruptedException {
    IOException last = null;
    while (System.nanoTime() - t0 < DEADLINE.toNanos()) {
      try (Client client = Client.connect(address)) {
        return new TaskTtrpc.Client(client).connect(ConnectRequest.newBuilder().setId(id).build(), CALL);
      } catch (IOException e) {
        last = e;
      } catch (RuntimeException e) {
        last = new IOException(e);
      }
      Thread.sleep(1);
    }
    throw new IOException("no Connect answer from " + address + " within " + DEADLINE, last);
  }

  /** Asks the daemon to exit, then makes sure it did; removes what a killed daemon leaves. */
  static void stop(Result started) throws InterruptedException {
    try (Client client = Client.connect(started.address())) {
      new TaskTtrpc.Client(client).shutdown(ShutdownRequest.newBuilder().build(), CALL);
    } catch (IOException | RuntimeException expected) {
      // The daemon may exit before it answers: its going away is the answer.
    }
    ProcessHandle.of(started.daemonPid()).ifPresent(daemon -> {
      try {
        daemon.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception notGone) {
        daemon.destroyForcibly();
      }
    });
    try {
      Files.deleteIfExists(Path.of(started.address().substring("unix://".length())));
    } catch (IOException ignored) {
      // best effort: a leftover socket only slows the next start's stale check
    }
  }
}
