package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.dist.StartBatch.Start;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.Procs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The distribution's runc launcher (every default on) when its containerd goes: killed while
 * starts are in flight, it leaves no shim that it never got to use; stopped, it leaves no spare.
 * The test's processes are recognised by its own SHIM4J_PREFORK_DIR (see {@link TestsProcesses}).
 */
// On containerd 1.6 only: on 2.1 its spare cases failed twice in CI runs (a spare outliving a
// killed containerd; no spare after three starts), not understood yet, so not claimed there.
class ContainerdGoneTest {
  private static final Path DIST = PackagedShim.directory();
  private static final String LAUNCHER = DIST.resolve("bin/containerd-shim-runc4j-v2").toString();
  private static final Duration PER_RUN = Duration.ofSeconds(120);
  private static final Path RUNC_ROOT = Path.of("/run/containerd/runc");

  private Path tmp;
  private Path prefork;
  private TestsProcesses processes;
  private PrivateContainerd cd;
  private String image;
  /** Every start the test made: their sockets, left by a shim that failed, go in tearDown. */
  private final List<Start> made = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory(Path.of("/tmp"), "s4j-gone-");
    prefork = tmp.resolve("prefork");
    processes = new TestsProcesses("SHIM4J_PREFORK_DIR", prefork.toString());
    cd = PrivateContainerd.start(Map.of("SHIM4J_PREFORK_DIR", prefork.toString()));
    image = cd.busyboxImage();
  }

  @AfterEach
  void tearDown() throws Exception {
    TestsCleanup.after(cd == null ? List.of() : List.of(cd), processes, made, tmp);
  }

  /**
   * containerd SIGKILLed while ten starts are on their way: within 90 s no shim process of it is
   * left but the daemons of containers it had created (runc knows them; like Go's shims they wait
   * for containerd to come back), and no socket but theirs. A new daemon that containerd never
   * got to use, a spare, a launcher still waiting: all gone. The bound is generous because a
   * spare started just before the kill boots at nice 19 and only then sees containerd gone; on a
   * CI machine at load 50 that boot alone took over 30 s.
   */
  @Test
  void aContainerdKilledMidStartLeavesOnlyTheDaemonsOfItsContainers() throws Exception {
    List<Start> starts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      starts.add(new Start(cd, cd.namespace(), "k" + i));
    }
    made.addAll(starts);
    for (Start start : starts) {
      cd.startCtr("run", "--rm", "--runtime", LAUNCHER, image, start.id(), "echo", start.id());
    }
    // the starts are on their way once containerd has run launchers
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (processes.running().size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    int inFlight = processes.running().size();
    cd.kill();

    Leftovers left = leftovers(starts);
    deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(250);
      left = leftovers(starts);
    }

    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(inFlight).as("processes of the starts when containerd was killed").isGreaterThan(0);
    softly.assertThat(left.processes()).as("shim processes left 90 s after containerd was killed, "
        + "other than the daemons of the %d containers runc has (%s):%s", left.containers().size(),
        left.containers(), TestsProcesses.describe(left.processes())).isEmpty();
    softly.assertThat(left.sockets()).as("sockets left but those of the daemons of runc's containers").isEmpty();
    softly.assertAll();
  }

  /**
   * Spares are started for a containerd (here by the defaults: a spare follows the second start
   * in a row that needed a new daemon) and go with it: containerd stopped (SIGTERM, as a service
   * manager stops it) or killed outright, none is left 20 s on.
   */
  @ParameterizedTest
  @ValueSource(strings = {"stopped", "killed"})
  void sparesDoNotOutliveTheirContainerd(String how) throws Exception {
    List<Start> starts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Start start = new Start(cd, cd.namespace(), "s" + i);
      starts.add(start);
      made.add(start);
      CtrResult r = cd.ctrIn(start.namespace(), PER_RUN,
          "run", "--rm", "--runtime", LAUNCHER, image, start.id(), "echo", start.id());
      assertThat(r.ok() && r.stdout().equals(start.id() + "\n")).as("%s", r).isTrue();
    }
    Set<Path> containerSockets = starts.stream().map(Start::socket).collect(Collectors.toSet());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Long> spares = processes.spares(containerSockets);
    while (spares.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      spares = processes.spares(containerSockets);
    }
    assertThat(spares).as("spares after three starts in a row; the test's processes:%s",
        TestsProcesses.describe(processes.running())).isNotEmpty();

    if (how.equals("killed")) {
      cd.kill();
    } else {
      cd.stop();
    }

    List<Long> left = processes.awaitNone(Duration.ofSeconds(20));
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(left).as("processes left 20 s after containerd was %s (the spares were %s):%s",
        how, spares, TestsProcesses.describe(left)).isEmpty();
    softly.assertThat(TestFiles.socketsUnder(prefork)).as("sockets left in SHIM4J_PREFORK_DIR").isEmpty();
    softly.assertAll();
  }

  /**
   * What a killed containerd left that it should not have: processes other than the daemons of
   * containers runc has (and what those run), sockets other than theirs and containerd's own.
   */
  record Leftovers(List<Long> processes, List<Path> sockets, Set<String> containers) {
    boolean isEmpty() {
      return processes.isEmpty() && sockets.isEmpty();
    }
  }

  private Leftovers leftovers(List<Start> starts) throws Exception {
    Set<String> containers = runcContainers(cd.namespace());
    List<Long> running = processes.running();
    Map<Long, Set<Path>> held = Procs.boundUnixSockets(running);
    Set<Path> servedSockets = starts.stream().filter(s -> containers.contains(s.id())).map(Start::socket)
        .collect(Collectors.toSet());
    // a daemon of a container runc has, and whatever it runs
    Set<Long> serving = new HashSet<>();
    Set<Path> theirSockets = new HashSet<>();
    for (long pid : running) {
      Set<Path> sockets = held.getOrDefault(pid, Set.of());
      if (sockets.stream().anyMatch(servedSockets::contains)) {
        serving.add(pid);
        theirSockets.addAll(sockets);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> serving.add(d.pid())));
      }
    }
    List<Long> others = running.stream().filter(pid -> !serving.contains(pid)).toList();
    List<Path> sockets = new ArrayList<>();
    for (Start start : starts) {
      if (Files.exists(start.socket(), LinkOption.NOFOLLOW_LINKS) && !theirSockets.contains(start.socket())) {
        sockets.add(start.socket());
      }
    }
    for (Path dir : List.of(cd.dir(), prefork)) {
      for (Path socket : TestFiles.socketsUnder(dir)) {
        if (!socket.equals(cd.address()) && !socket.equals(cd.ttrpcAddress()) && !theirSockets.contains(socket)) {
          sockets.add(socket);
        }
      }
    }
    return new Leftovers(others, sockets, containers);
  }

  /** The ids of the containers runc has in the namespace's runc root (the runc shims' default). */
  private static Set<String> runcContainers(String namespace) throws Exception {
    Path root = RUNC_ROOT.resolve(namespace);
    if (!Files.isDirectory(root)) {
      return Set.of();
    }
    Process runc = new ProcessBuilder("runc", "--root", root.toString(), "list", "-q")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(runc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(runc.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return out.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.toSet());
  }
}
