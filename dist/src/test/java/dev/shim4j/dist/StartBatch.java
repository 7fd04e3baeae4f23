package dev.shim4j.dist;

import dev.shim4j.shim.internal.ShimAddress;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PrivateContainerd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code ctr run --rm --runtime RUNTIME IMAGE ID echo ID} for many containers at once, each on
 * its containerd and namespace, and how each ended: all of them are started together (one thread
 * each) so that their starts overlap as they do on a busy node.
 */
final class StartBatch {
  private StartBatch() {}

  /** One container to run: where, and its id (which it prints). */
  record Start(PrivateContainerd containerd, String namespace, String id) {
    /**
     * The socket a shim serving this container listens on when its group is the container (the
     * default): what Go's shim computes from containerd's address, the namespace and the id.
     */
    Path socket() {
      return ShimAddress.pathOf(ShimAddress.of(containerd.address().toString(), namespace, id));
    }

    @Override
    public String toString() {
      return id + " (containerd " + containerd.address() + ", namespace " + namespace + ")";
    }
  }

  /** How one run ended; {@code timedOut} when ctr had to be killed at the deadline. */
  record Outcome(Start start, int exitCode, String stdout, String stderr, boolean timedOut) {
    /**
     * An answer to containerd that is more than one address (several answers run together) or
     * a broken one: what a start path that lets two writers at containerd's pipe produces.
     */
    private static final Pattern GARBLED = Pattern.compile(String.join("|",
        "[^\\s\"'(\\[=]unix://", // an address run into what came before it (containerd strips the first "unix://")
        "unix://[^\\s\"]*\\{", // an address run into a JSON answer
        "\\}\\s*\\{\"version\"")); // two JSON answers

    boolean ok() {
      return !timedOut && exitCode == 0 && stdout.equals(start.id() + "\n");
    }

    /** Ran, but containerd got a broken answer, or the container printed something else. */
    boolean garbled() {
      return (!timedOut && exitCode == 0 && !ok()) || GARBLED.matcher(stdout + "\n" + stderr).find();
    }

    /** Failed as a failed start should: ctr exits non-zero in time, with an error, no garbled answer. */
    boolean failedCleanly() {
      return !timedOut && exitCode != 0 && !stderr.isBlank() && !garbled();
    }

    @Override
    public String toString() {
      return start + ": " + (timedOut ? "timed out" : "exit " + exitCode) + ", stdout "
          + abbreviate(stdout) + ", stderr " + abbreviate(stderr);
    }

    private static String abbreviate(String s) {
      String one = s.strip().replace('\n', '|');
      return "[" + (one.length() > 600 ? one.substring(0, 600) + "..." : one) + "]";
    }
  }

  /** Runs every start at once, each bounded by {@code perRun}; the outcomes in the starts' order. */
  static List<Outcome> run(List<Start> starts, String runtime, String image, Duration perRun)
      throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(starts.size())) {
      List<Future<Outcome>> running = new ArrayList<>();
      for (Start start : starts) {
        running.add(pool.submit(() -> runOne(start, runtime, image, perRun)));
      }
      for (Future<Outcome> outcome : running) {
        outcomes.add(outcome.get());
      }
    }
    return outcomes;
  }

  private static Outcome runOne(Start start, String runtime, String image, Duration perRun) {
    try {
      CtrResult r = start.containerd().ctrIn(start.namespace(), perRun,
          "run", "--rm", "--runtime", runtime, image, start.id(), "echo", start.id());
      return new Outcome(start, r.exitCode(), r.stdout(), r.stderr(), false);
    } catch (AssertionError timedOut) { // Commands.run's deadline
      return new Outcome(start, -1, "", String.valueOf(timedOut.getMessage()), true);
    }
  }

  /** The outcomes that match {@code which}, one a line, at most {@code limit}, for messages. */
  static String describe(List<Outcome> outcomes, java.util.function.Predicate<Outcome> which, int limit) {
    List<Outcome> matching = outcomes.stream().filter(which).toList();
    return matching.size() + " of " + outcomes.size() + matching.stream().limit(limit)
        .map(Outcome::toString).collect(Collectors.joining("\n  ", ":\n  ", ""));
  }
}
