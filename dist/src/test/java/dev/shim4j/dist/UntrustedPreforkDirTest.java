package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.testkit.PrivateContainerd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A SHIM4J_PREFORK_DIR that root's launcher must not trust: one another user owns (and has
 * filled with symlinks to root's files), or one that others may write to. containerd runs as
 * root, so anything its launcher writes through such a directory is written as root wherever its
 * owner points it. The launcher does without it: starts still work (cold), the files the links
 * point at are untouched, nothing is created in or through the directory.
 */
class UntrustedPreforkDirTest {
  private static final Path DIST = PackagedShim.directory();
  private static final String NAME = "containerd-shim-runc4j-v2";
  private static final String LAUNCHER = DIST.resolve("bin").resolve(NAME).toString();
  private static final Duration PER_RUN = Duration.ofSeconds(120);
  private static final int NOBODY = 65534;
  /** Names a start path might keep in its directory: each one a planted symlink. */
  private static final List<String> PLANTED = List.of("demand", "outran", "spawning", "stdin", "request",
      "reply", "taken", "lock", "registry", "start.sock", "sock", "spares", "socket");

  private Path tmp;
  private TestsProcesses processes;
  private PrivateContainerd cd;

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory(Path.of("/tmp"), "s4j-untrusted-");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // for nobody
  }

  @AfterEach
  void tearDown() throws Exception {
    TestsCleanup.after(cd == null ? List.of() : List.of(cd), processes, List.of(), tmp);
  }

  /**
   * Nobody's directory, three namespaces: one whose directory is a symlink to a directory of
   * root's, one whose directory holds symlinks to a file of root's under every name a start path
   * might use, one not made yet (root would make it in nobody's tree, where nobody may swap it).
   */
  @Test
  void aDirectoryOfAnotherUserIsNotUsedNorWrittenThrough() throws Exception {
    Path secret = tmp.resolve("secret");
    Files.writeString(secret, "root's own\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    FileTime secretTime = Files.getLastModifiedTime(secret);
    Path victim = Files.createDirectory(tmp.resolve("victim"));
    Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwx------"));
    Path home = Files.createDirectory(tmp.resolve("nobody"));
    Files.setAttribute(home, "unix:uid", NOBODY);
    Path untrusted = home.resolve("prefork"); // made by nobody, below
    start(untrusted);
    String linked = cd.namespace() + "-l";
    String planted = cd.namespace() + "-p";
    String unmade = cd.namespace() + "-u";
    Path runtimeDir = untrusted.resolve(NAME);
    StringBuilder plant = new StringBuilder("set -e; umask 022; mkdir -p '" + runtimeDir.resolve(planted) + "'\n")
        .append("ln -s '").append(victim).append("' '").append(runtimeDir.resolve(linked)).append("'\n")
        .append("ln -s '").append(victim).append("' '").append(runtimeDir.resolve(planted).resolve("daemons")).append("'\n");
    for (String name : PLANTED) {
      for (Path dir : List.of(untrusted, runtimeDir, runtimeDir.resolve(planted))) {
        plant.append("ln -s '").append(secret).append("' '").append(dir.resolve(name)).append("'\n");
      }
    }
    asNobody(plant.toString());
    List<Path> plantedTree = TestFiles.under(untrusted);

    List<CtrResult> runs = new ArrayList<>();
    for (String ns : List.of(linked, planted, unmade)) {
      runs.addAll(twoRuns(ns));
    }
    settle();

    SoftAssertions softly = new SoftAssertions();
    for (CtrResult r : runs) {
      softly.assertThat(r.ok() && r.stdout().equals(r.command().getLast() + "\n")).as("%s", r).isTrue();
    }
    softly.assertThat(Files.readString(secret)).as("the file the links point at").isEqualTo("root's own\n");
    softly.assertThat(Files.getLastModifiedTime(secret)).as("its modification time").isEqualTo(secretTime);
    softly.assertThat(TestFiles.children(victim)).as("the directory a namespace's link points at").isEmpty();
    softly.assertThat(TestFiles.under(untrusted).stream().filter(p -> TestFiles.uid(p) != NOBODY).toList())
        .as("files in nobody's tree not nobody's (it held %s)", plantedTree).isEmpty();
    softly.assertAll();
  }

  /** root's own directory, but writable by others (or by its group): not used at all. */
  @ParameterizedTest
  @ValueSource(strings = {"rwxrwxrwx", "rwxrwxr-x"})
  void aDirectoryOthersMayWriteIsNotUsed(String mode) throws Exception {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString(mode));
    start(shared);

    List<CtrResult> runs = twoRuns(cd.namespace());
    settle();

    SoftAssertions softly = new SoftAssertions();
    for (CtrResult r : runs) {
      softly.assertThat(r.ok() && r.stdout().equals(r.command().getLast() + "\n")).as("%s", r).isTrue();
    }
    softly.assertThat(TestFiles.children(shared)).as("what was made in the %s directory", mode).isEmpty();
    softly.assertAll();
  }

  private void start(Path preforkDir) {
    processes = new TestsProcesses("SHIM4J_PREFORK_DIR", preforkDir.toString());
    cd = PrivateContainerd.start(Map.of("SHIM4J_PREFORK_DIR", preforkDir.toString()));
  }

  /** Two containers one after the other in {@code ns}: the second would be followed by a spare. */
  private List<CtrResult> twoRuns(String ns) {
    String image = cd.busyboxImageIn(ns);
    List<CtrResult> runs = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      String id = ns.substring(ns.length() - 1) + i;
      runs.add(cd.ctrIn(ns, PER_RUN, "run", "--rm", "--runtime", LAUNCHER, image, id, "echo", id));
    }
    return runs;
  }

  /**
   * Until whatever the launchers do in the background after their answer is done: containerd
   * stopped, and every process of the test gone (spares go with containerd).
   */
  private void settle() throws Exception {
    Thread.sleep(2000);
    cd.stop();
    processes.awaitNone(Duration.ofSeconds(20));
  }

  /** Runs the shell script {@code script} as user nobody. */
  private static void asNobody(String script) throws Exception {
    Process p = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
        "sh", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("a script as nobody: %s", out).isZero();
  }
}
