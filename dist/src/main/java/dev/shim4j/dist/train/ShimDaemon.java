package dev.shim4j.dist.train;

import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.shim.reaper.Stdio;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Signals;
import dev.shim4j.sys.SysException;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shim under training, started as containerd starts it: {@code LAUNCHER -namespace NS -id ID
 * -address A -publish-binary B start} in the bundle, stdin empty, TTRPC_ADDRESS in the
 * environment. Its daemon is whichever process answers on the printed address, which works
 * whether {@code start} spawns a second JVM or becomes the daemon itself.
 */
final class ShimDaemon {
  private static final Duration START_DEADLINE = Duration.ofSeconds(60);

  private final Child start;
  private final String address;
  private final int pid;

  private ShimDaemon(Child start, String address, int pid) {
    this.start = start;
    this.address = address;
    this.pid = pid;
  }

  /**
   * Runs {@code start}; {@code javaOptions} go to the launcher's JVM (SHIM4J_JAVA_OPTS).
   * Returns once the daemon answered Connect.
   */
  static ShimDaemon start(Path launcher, Path bundle, String namespace, String id, Path containerdAddress,
      Path ttrpcAddress, String javaOptions, Path stderr) throws Exception {
    List<String> command = new ArrayList<>(List.of(launcher.toString(), "-namespace", namespace, "-id", id,
        "-address", containerdAddress.toString(), "-publish-binary", "/bin/false", "start"));
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("TTRPC_ADDRESS", ttrpcAddress.toString());
    env.put("SHIM4J_JAVA_OPTS", javaOptions);
    // Through the reaper, which owns every child of this JVM (it reaps with waitpid(-1)).
    Child start;
    int err = Fds.open(stderr, Fds.O_WRONLY | Fds.O_CREAT | Fds.O_APPEND, 0644);
    try {
      start = Reaper.get().spawn(Command.of(command).withCwd(bundle).withEnv(env)
          .withStdio(Stdio.devNull(), Stdio.pipe(), Stdio.fd(err)));
    } finally {
      Fds.closeQuietly(err);
    }
    try {
      String address = answer(start);
      if (!address.startsWith("unix://")) {
        throw new IOException("start printed '" + address + "', not an address (stderr: " + tail(stderr) + ")");
      }
      return new ShimDaemon(start, address, daemonPid(address, id));
    } catch (Exception e) {
      // Whichever JVM got going (start, a daemon it spawned) must not outlive the training.
      killQuietly(start.pid());
      killAllWithId(id);
      throw e;
    }
  }

  /** The answer: the first word of stdout; the rest (a recording JVM's farewell) is drained unread. */
  private static String answer(Child start) throws Exception {
    InputStream out = start.stdout();
    CompletableFuture<String> line = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("start-stdout").start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
        // A recording JVM that exits (start, when it spawns the daemon) writes "AOTConfiguration
        // recorded: ..." right after the address, on the same line: the answer is the first word.
        String first = r.readLine();
        String[] words = first == null ? new String[0] : first.strip().split("\\s+", 2);
        line.complete(words.length == 0 ? "" : words[0]);
        while (r.readLine() != null) {
          // drained: a full pipe must not block a JVM on its way out
        }
      } catch (IOException e) {
        line.complete("");
      }
    });
    try {
      return line.get(START_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("start printed no address within " + START_DEADLINE);
    }
  }

  /**
   * The daemon's pid, from its own Connect answer, checked against /proc: a live process run
   * with {@code -id ID}.
   */
  private static int daemonPid(String address, String id) throws Exception {
    long end = System.nanoTime() + START_DEADLINE.toNanos();
    Exception last = null;
    while (System.nanoTime() < end) {
      try (Client client = Client.connect(address)) {
        int pid = new TaskTtrpc.Client(client)
            .connect(ConnectRequest.newBuilder().setId(id).build(), CallOptions.timeout(Duration.ofSeconds(10)))
            .getShimPid();
        if (!runsWithId(pid, id)) {
          throw new IOException("the daemon on " + address + " says it is pid " + pid
              + ", which does not run with -id " + id);
        }
        return pid;
      } catch (IOException | RuntimeException e) {
        last = e;
      }
      Thread.sleep(10);
    }
    throw new IOException("no daemon answered on " + address + ": " + last, last);
  }

  /** Kills every process run with {@code -id ID}: a daemon nobody could talk to. */
  static void killAllWithId(String id) {
    ProcessHandle.allProcesses()
        .filter(p -> runsWithId((int) p.pid(), id))
        .forEach(ProcessHandle::destroyForcibly);
  }

  private static boolean runsWithId(int pid, String id) {
    try {
      String[] args = Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0");
      for (int i = 0; i + 1 < args.length; i++) {
        if (args[i].equals("-id") && args[i + 1].equals(id)) {
          return true;
        }
      }
    } catch (IOException e) {
      // gone or unreadable: not it
    }
    return false;
  }

  String address() {
    return address;
  }

  int pid() {
    return pid;
  }

  /** Waits for the daemon (and start, if it is another process) to exit; false on timeout. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (isAlive(pid)) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(50);
    }
    long left = Math.max(0, end - System.nanoTime());
    try {
      start.exit().get(left, TimeUnit.NANOSECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true; // the reaper saw it go, one way or another
    }
  }

  /** Kills whatever is left of the shim (after a failed training). */
  void kill() {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    killQuietly(start.pid());
  }

  private static void killQuietly(int pid) {
    try {
      Processes.kill(pid, Signals.SIGKILL);
    } catch (SysException gone) {
      // already exited
    }
  }

  /** Alive and not a zombie (a daemon that is our own child stays one until it is reaped). */
  private static boolean isAlive(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  static String tail(Path file) {
    try {
      String s = Files.readString(file).strip();
      return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
