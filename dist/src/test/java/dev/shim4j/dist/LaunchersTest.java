package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers the dist build made (target/shim4j/bin) work as containerd uses them: `-v`,
 * `start` printing exactly one address (with and without the AOT cache), and the seed's
 * transcript: start, then shim-proto-connect, then the daemon is gone.
 */
class LaunchersTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Path DIST = PackagedShim.directory();
  private static final String SKELETON = "containerd-shim-skeleton-v1";
  private static final String CONNECT = "shim-proto-connect";
  private static final String RUNC4J = "containerd-shim-runc4j-v2";

  @TempDir Path tmp;
  private Path bundle;
  private Process logReader;
  private final List<Integer> daemons = new ArrayList<>();
  private final List<Path> sockets = new ArrayList<>();

  /** What a command printed: stdout and stderr apart, and its exit status. */
  record Ran(int status, String stdout, String stderr) {}

  @BeforeEach
  void bundle() throws Exception {
    bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"annotations\":{}}");
    Path log = bundle.resolve("log");
    new ProcessBuilder("mkfifo", log.toString()).start().waitFor();
    // containerd keeps a reader on the log FIFO; so does this test (opened read-write, so that
    // it never sees EOF when a shim closes its end).
    logReader = new ProcessBuilder("sh", "-c", "exec cat 0<>\"$0\"", log.toString())
        .redirectOutput(tmp.resolve("shim.log").toFile()).start();
  }

  @AfterEach
  void cleanUp() throws IOException {
    for (int pid : daemons) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Path socket : sockets) {
      Files.deleteIfExists(socket);
    }
    logReader.destroy();
  }

  @Test
  void versionPrintsAVersionAndNothingElse() throws Exception {
    Ran ran = run(DIST.resolve("bin").resolve(SKELETON), List.of("-v"));

    assertThat(ran.status()).isZero();
    assertThat(ran.stderr()).isEmpty();
    assertThat(ran.stdout()).isNotBlank().containsPattern("[0-9]+\\.[0-9]+");
  }

  @Test
  void distributionHasTheLaunchersAndTheirAotCaches() {
    assertThat(DIST.resolve("bin").resolve(SKELETON)).isExecutable();
    assertThat(DIST.resolve("bin").resolve(CONNECT)).isExecutable();
    assertThat(DIST.resolve("lib/aot").resolve(SKELETON + ".aot")).isRegularFile();
    assertThat(DIST.resolve("lib/aot").resolve(CONNECT + ".aot")).isRegularFile();
    assertThat(DIST.resolve("lib/aot").resolve(RUNC4J + ".aot")).isRegularFile();
  }

  /**
   * runc4j's cache was trained on a container's life (dev.shim4j.dist.train.RuncTraining), not
   * only on start + Connect + Shutdown: it holds classes that only Create, stdio, the rootfs
   * mount, an exec and ttrpc event publishing load. A JVM started with an AOT cache loads the
   * cache's classes at start-up, so `-v` lists them, each from the "shared objects file".
   */
  @Test
  void runc4jCacheHoldsTheClassesOfAContainerLifecycle() throws Exception {
    Path classLog = tmp.resolve("class-load.log");
    Ran ran = run(DIST.resolve("bin").resolve(RUNC4J), List.of("-v"), Optional.empty(),
        Map.of("SHIM4J_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog));

    assertThat(ran.status()).as("%s", ran).isZero();
    String loaded = Files.readString(classLog);
    assertThat(loaded).contains(
        "dev.shim4j.runcshim.Container source: shared objects file",
        "dev.shim4j.runcshim.ProcessStdio source: shared objects file",
        "dev.shim4j.runcshim.ContainerProcess source: shared objects file",
        "dev.shim4j.runc.CreateOptions source: shared objects file",
        "dev.shim4j.runc.ExecOptions source: shared objects file",
        "dev.shim4j.shim.mount.Mounter source: shared objects file",
        "dev.shim4j.shim.event.TtrpcTransport source: shared objects file");
  }

  /**
   * java.util.logging's start-up (protobuf starts it) looks for a LoggerFinder with a
   * ServiceLoader that stops at the first jar declaring one; the shim library's jar declares
   * shim4j's, so with it first no other jar of the class path is opened on the way.
   */
  @Test
  void classPathStartsWithTheJarThatDeclaresTheLoggerFinder() throws Exception {
    String service = "META-INF/services/java.lang.System$LoggerFinder";
    for (String launcher : List.of(SKELETON, RUNC4J)) {
      String script = Files.readString(DIST.resolve("bin").resolve(launcher));
      Matcher cp = Pattern.compile("-cp \"([^\"]+)\"").matcher(script);
      assertThat(cp.find()).as("class path of %s", launcher).isTrue();
      List<Path> jars = Arrays.stream(cp.group(1).split(":"))
          .map(jar -> DIST.resolve("lib").resolve(jar.replace("$lib/", "")))
          .toList();

      assertThat(jars.getFirst().getFileName().toString()).startsWith("shim-");
      assertThat(jars.stream().filter(jar -> declares(jar, service)).toList())
          .containsExactly(jars.getFirst());
    }
  }

  private static boolean declares(Path jar, String entry) {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.getEntry(entry) != null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void startPrintsExactlyOneAddressWithTheAotCache() throws Exception {
    String address = startAndCheck(DIST);

    assertThat(connect(address).getShimPid()).isPositive();
  }

  @Test
  void startPrintsExactlyOneAddressWithoutTheAotCache() throws Exception {
    Path copy = copyOfDist(tmp.resolve("no-cache"));
    try (Stream<Path> caches = Files.list(copy.resolve("lib/aot"))) {
      for (Path cache : caches.toList()) {
        Files.delete(cache);
      }
    }

    String address = startAndCheck(copy);

    assertThat(connect(address).getShimPid()).isPositive();
  }

  @Test
  void startPrintsExactlyOneAddressWithAStaleAotCache() throws Exception {
    Path copy = copyOfDist(tmp.resolve("stale-cache"));
    Path cache = copy.resolve("lib/aot").resolve(SKELETON + ".aot");
    byte[] head = Arrays.copyOf(Files.readAllBytes(cache), 4096); // a cut-off cache file
    Files.write(cache, head);

    String address = startAndCheck(copy);

    assertThat(connect(address).getShimPid()).isPositive();
  }

  @Test
  void launcherWorksThroughASymlinkElsewhere() throws Exception {
    Path link = Files.createDirectories(tmp.resolve("prefix/bin")).resolve(SKELETON);
    Files.createSymbolicLink(link, DIST.resolve("bin").resolve(SKELETON));

    Ran ran = run(link, List.of("-v"));

    assertThat(ran.status()).isZero();
    assertThat(ran.stderr()).isEmpty();
    assertThat(ran.stdout()).isNotBlank();
  }

  /** The seed's transcript: start prints an address, shim-proto-connect talks to it, the daemon exits. */
  @Test
  void deleteOfAnAlreadyDeletedContainerNeedsNoJvm() throws Exception {
    // A JDK that does not exist: any run that reaches `exec java` fails.
    Optional<Path> noJdk = Optional.of(tmp.resolve("no-such-jdk"));
    List<String> delete = List.of("-namespace", "ns", "-id", "gone", "-address",
        "/run/containerd/containerd.sock", "-publish-binary", "containerd", "-bundle",
        bundle.toString(), "delete");
    Path launcher = DIST.resolve("bin").resolve(SKELETON);

    assertThat(run(launcher, delete, noJdk).status()).isNotZero();

    Files.createFile(bundle.resolve(".shim4j-deleted"));
    Ran ran = run(launcher, delete, noJdk);
    assertThat(ran.status()).isZero();
    assertThat(ran.stdout()).isEmpty();
    assertThat(ran.stderr()).isEmpty();
  }

  @Test
  void seedTranscript() throws Exception {
    String address = startAndCheck(DIST);
    int daemon = connect(address).getShimPid();
    List<String> daemonArgs = List.of(Files.readString(Path.of("/proc/" + daemon + "/cmdline")).split("\0"));
    assertThat(daemonArgs).as("the JVM that answered start is the daemon: no second JVM")
        .contains("-Ddev.shim4j.start=in-process").endsWith("start");

    Ran connected = run(DIST.resolve("bin").resolve(CONNECT), List.of(address));

    assertThat(connected.status()).as("shim-proto-connect: %s", connected).isZero();
    assertThat(connected.stdout()).contains("example");
    Optional<ProcessHandle> handle = ProcessHandle.of(daemon);
    if (handle.isPresent()) {
      handle.get().onExit().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(daemon).map(ProcessHandle::isAlive)).as("daemon alive").isNotEqualTo(Optional.of(true));
    assertThat(socketOf(address)).doesNotExist();
  }

  @Test
  void aFailedStartExitsOneWithTheReasonOnStderrAndNothingOnStdout() throws Exception {
    Ran start = run(DIST.resolve("bin").resolve(SKELETON), List.of("-namespace", "shim4j-dist-test",
        "-id", "dist-test-bad-flag", "-no-such-flag", "start"));

    assertThat(start.status()).isEqualTo(1);
    assertThat(start.stdout()).isEmpty();
    assertThat(start.stderr()).contains("no-such-flag");
  }

  /** Runs `start` as containerd 1.6 does and checks its combined output is one address line. */
  private String startAndCheck(Path dist) throws Exception {
    String id = "dist-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    List<String> args = List.of("-namespace", "shim4j-dist-test", "-id", id,
        "-address", tmp.resolve("containerd.sock").toString(), "-publish-binary", "/bin/false", "start");
    String address = StartAnswer.of(command(dist.resolve("bin").resolve(SKELETON), args), bundle,
        coldPath(), DEADLINE);
    sockets.add(socketOf(address));
    return address;
  }

  /** The cold path, nothing kept in the machine's spare directory: PreforkTest has the others. */
  private Map<String, String> coldPath() {
    return Map.of("SHIM4J_PREFORK", "0", "SHIM4J_WARM_STARTS", "0",
        "SHIM4J_PREFORK_DIR", tmp.resolve("prefork").toString());
  }

  private ConnectResponse connect(String address) throws IOException {
    try (Client client = Client.connect(address)) {
      ConnectResponse response = new TaskTtrpc.Client(client)
          .connect(ConnectRequest.newBuilder().build(), CallOptions.timeout(DEADLINE));
      daemons.add(response.getShimPid());
      return response;
    }
  }

  private static Path socketOf(String address) {
    return Path.of(address.substring("unix://".length()));
  }

  /** A copy of the distribution elsewhere (its launchers find lib/ relative to themselves). */
  private static Path copyOfDist(Path target) throws Exception {
    Process cp = new ProcessBuilder("cp", "-a", DIST.toString(), target.toString()).start();
    assertThat(cp.waitFor()).isZero();
    return target;
  }

  private static List<String> command(Path launcher, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(launcher.toString());
    command.addAll(args);
    return command;
  }

  private Ran run(Path launcher, List<String> args) throws Exception {
    return run(launcher, args, Optional.empty());
  }

  /** Runs with SHIM4J_JAVA_HOME set to {@code javaHome} when given. */
  private Ran run(Path launcher, List<String> args, Optional<Path> javaHome) throws Exception {
    return run(launcher, args, javaHome, Map.of());
  }

  private Ran run(Path launcher, List<String> args, Optional<Path> javaHome, Map<String, String> env)
      throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command(launcher, args));
    javaHome.ifPresent(home -> builder.environment().put("SHIM4J_JAVA_HOME", home.toString()));
    builder.environment().putAll(coldPath());
    builder.environment().putAll(env);
    Process p = builder
        .directory(bundle.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(launcher + " " + args + " did not exit within " + DEADLINE);
    }
    return new Ran(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
