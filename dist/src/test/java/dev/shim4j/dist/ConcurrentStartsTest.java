package dev.shim4j.dist;

import dev.shim4j.dist.StartBatch.Outcome;
import dev.shim4j.dist.StartBatch.Start;
import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.testkit.OnEveryContainerd;
import dev.shim4j.testkit.PrivateContainerd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many containers started at once through the distribution's runc launcher, as containerd runs it
 * (the launcher by absolute path, every default on: spares and starts answered by live daemons),
 * on two private containerds on one host that use the same two namespace names: every start
 * succeeds, no shim ever serves the other containerd, and once both containerds are stopped no
 * shim process and no socket is left. Then the same while spares are SIGKILLed at random
 * moments: a start either succeeds or fails cleanly, most succeed, nothing is left.
 *
 * <p>The test's processes are recognised by its own SHIM4J_PREFORK_DIR in their environment (see
 * {@link TestsProcesses}), so nothing of another test is counted or killed.
 */
@OnEveryContainerd
class ConcurrentStartsTest {
  private static final Path DIST = PackagedShim.directory();
  private static final String LAUNCHER = DIST.resolve("bin/containerd-shim-runc4j-v2").toString();
  /** Per ctr run: a start that waits this long is hung, not slow (2 cores, other builds beside). */
  private static final Duration PER_RUN = Duration.ofSeconds(180);
  /** For every shim process to go once its containerd is stopped (spares, idle new daemons: ~10 s). */
  private static final Duration LEFTOVER_BOUND = Duration.ofSeconds(30);

  private Path tmp;
  private TestsProcesses processes;
  private final List<PrivateContainerd> containerds = new ArrayList<>();
  private List<String> namespaces;
  /** Every start the test made: their sockets, left by a shim that failed, go in tearDown. */
  private final List<Start> made = new ArrayList<>();
  private String image;

  /** Two containerds with the test's SHIM4J_PREFORK_DIR, and two namespace names both use. */
  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory(Path.of("/tmp"), "s4j-st-");
    Path prefork = tmp.resolve("prefork");
    processes = new TestsProcesses("SHIM4J_PREFORK_DIR", prefork.toString());
    String base = "s4j-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    namespaces = List.of(base + "-x", base + "-y");
    for (int i = 0; i < 2; i++) {
      containerds.add(PrivateContainerd.start(Map.of("SHIM4J_PREFORK_DIR", prefork.toString())));
    }
    for (PrivateContainerd cd : containerds) {
      for (String ns : namespaces) {
        image = cd.busyboxImageIn(ns);
      }
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    TestsCleanup.after(containerds, processes, made, tmp);
  }

  @Test
  void aHundredStartsAtOnceOnTwoContainerdsAllSucceedAndLeaveNothing() throws Exception {
    List<Start> starts = starts(100);
    List<Outcome> outcomes;
    CrossServingWatch watch = new CrossServingWatch(processes, socketOwners(starts));
    try {
      outcomes = StartBatch.run(starts, LAUNCHER, image, PER_RUN);
    } finally {
      watch.close();
    }
    stopContainerds();
    List<Long> left = processes.awaitNone(LEFTOVER_BOUND);

    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(outcomes.stream().filter(Outcome::ok).count())
        .as("runs that exited 0 and printed their id; the others: %s",
            StartBatch.describe(outcomes, o -> !o.ok(), 15))
        .isEqualTo(starts.size());
    softly.assertThat(watch.violations()).as("shims serving another containerd (%d samples)", watch.samples())
        .isEmpty();
    softly.assertThat(left).as("shim processes left %s after both containerds stopped:%s", LEFTOVER_BOUND,
        TestsProcesses.describe(left)).isEmpty();
    softly.assertThat(sockets(starts, true)).as("sockets left").isEmpty();
    softly.assertAll();
  }

  @Test
  void startsWhileSparesAreKilledAtRandomSucceedOrFailCleanlyAndLeaveNothing() throws Exception {
    List<Start> starts = starts(48);
    List<Outcome> outcomes;
    SpareKiller killer = new SpareKiller(processes, socketOwners(starts).keySet());
    try {
      outcomes = StartBatch.run(starts, LAUNCHER, image, PER_RUN);
    } finally {
      killer.close();
    }
    stopContainerds();
    List<Long> left = processes.awaitNone(LEFTOVER_BOUND);
    System.out.printf("spares killed at random: %d; runs that succeeded: %d of %d%n", killer.killed().size(),
        outcomes.stream().filter(Outcome::ok).count(), starts.size());

    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(outcomes.stream().filter(o -> !o.ok() && !o.failedCleanly()).toList())
        .as("runs that neither succeeded nor failed cleanly (garbled answer, wrong output, hung, no error): %s",
            StartBatch.describe(outcomes, o -> !o.ok() && !o.failedCleanly(), 15))
        .isEmpty();
    // a killed spare costs at most the start it was taking: the rest fall back to another JVM
    softly.assertThat(outcomes.stream().filter(Outcome::ok).count())
        .as("runs that succeeded while %d spares were killed; the others: %s", killer.killed().size(),
            StartBatch.describe(outcomes, o -> !o.ok(), 15))
        .isGreaterThanOrEqualTo(starts.size() * 8L / 10);
    softly.assertThat(killer.killed()).as("spares killed: the test must have hit some").isNotEmpty();
    softly.assertThat(left).as("shim processes left %s after both containerds stopped:%s", LEFTOVER_BOUND,
        TestsProcesses.describe(left)).isEmpty();
    // (a spare killed outright cannot remove what it made: only containerds' dirs are checked)
    softly.assertThat(sockets(starts.stream().filter(s -> outcomes.get(starts.indexOf(s)).ok()).toList(), false))
        .as("sockets left").isEmpty();
    softly.assertAll();
  }

  /** {@code count} starts spread evenly over the containerds and namespaces, ids unique in the test. */
  private List<Start> starts(int count) {
    List<Start> starts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      starts.add(new Start(containerds.get(i % 2), namespaces.get(i / 2 % 2), "p" + i));
    }
    made.addAll(starts);
    return starts;
  }

  private static Map<Path, String> socketOwners(List<Start> starts) {
    Map<Path, String> owners = new HashMap<>();
    for (Start start : starts) {
      owners.put(start.socket(), start.containerd().address().toString());
    }
    return owners;
  }

  private void stopContainerds() {
    containerds.forEach(PrivateContainerd::stop);
  }

  /**
   * Sockets left: the containers' sockets of {@code starts}, any socket in the containerds' dirs
   * (their own two excepted: a stopped containerd may leave them) and, with {@code preforkDir},
   * in the test's SHIM4J_PREFORK_DIR.
   */
  private List<Path> sockets(List<Start> starts, boolean preforkDir) throws IOException {
    List<Path> left = new ArrayList<>(starts.stream().map(Start::socket)
        .filter(s -> Files.exists(s, LinkOption.NOFOLLOW_LINKS)).toList());
    List<Path> dirs = new ArrayList<>(containerds.stream().map(PrivateContainerd::dir).toList());
    if (preforkDir) {
      dirs.add(tmp.resolve("prefork"));
    }
    for (Path dir : dirs) {
      left.addAll(TestFiles.socketsUnder(dir).stream()
          .filter(s -> containerds.stream().noneMatch(cd -> s.equals(cd.address()) || s.equals(cd.ttrpcAddress())))
          .toList());
    }
    return left;
  }
}
