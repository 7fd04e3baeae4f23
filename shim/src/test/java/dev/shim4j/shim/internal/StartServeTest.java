package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.Anys;
import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.bootstrap.v1.Extension;
import dev.shim4j.api.runc.options.Options;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code start} and the daemon it spawns, as real processes on real sockets. */
class StartServeTest {
  private static final CallOptions QUICK = CallOptions.timeout(Duration.ofSeconds(10));

  @TempDir Path bundle;
  private final List<Long> daemons = new ArrayList<>();
  private final List<Path> sockets = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();

  @AfterEach
  void killLeftovers() throws Exception {
    for (long pid : daemons) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    // Daemons a failed test never reached: found by the unique id on their command line.
    ProcessHandle.allProcesses()
        .filter(h -> h.info().arguments().map(args -> List.of(args).stream().anyMatch(ids::contains)).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
    for (Path socket : sockets) {
      Files.deleteIfExists(socket);
    }
  }

  private String uniqueId() {
    String id = "shim4j-test-" + UUID.randomUUID();
    ids.add(id);
    return id;
  }

  private ConnectResponse connect(String address, String service) {
    try (Client client = Client.connect(address)) {
      ConnectResponse r = new TaskTtrpc.Client(client, service).connect(ConnectRequest.getDefaultInstance(), QUICK);
      daemons.add((long) r.getShimPid());
      return r;
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot connect to " + address, e);
    }
  }

  private static void shutdown(String address) throws Exception {
    try (Client client = Client.connect(address)) {
      new TaskTtrpc.Client(client).shutdown(ShutdownRequest.getDefaultInstance(), QUICK);
    }
  }

  private static boolean exitsWithin(long pid, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true) || isZombie(pid)) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException e) {
      return true;
    }
  }

  private static long sessionOf(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[3]);
  }

  @Test
  void startPrintsTheAddressAndTheDaemonServesBothTaskVersions() throws Exception {
    String id = uniqueId();
    String expected = ShimAddress.of(ShimProcess.CONTAINERD, "ns", id);
    Path socket = ShimAddress.pathOf(expected);
    sockets.add(socket);

    ShimProcess.Result start = ShimProcess.run(bundle, Map.of("TTRPC_ADDRESS", "/nonexistent.ttrpc"), new byte[0],
        "-namespace", "ns", "-id", id, "-address", ShimProcess.CONTAINERD, "start");

    assertThat(start.stderr()).isEmpty();
    assertThat(start.status()).isZero();
    assertThat(start.stdoutText()).as("stdout is the bare address, as containerd 1.6 reads it").isEqualTo(expected);
    assertThat(Files.readString(bundle.resolve("address"))).isEqualTo(expected);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

    ConnectResponse v2 = connect(expected, TaskTtrpc.SERVICE_NAME);
    assertThat(v2.getVersion()).isEqualTo("test");
    long daemon = v2.getShimPid();
    assertThat(sessionOf(daemon)).as("the daemon leads its own session").isEqualTo(daemon);
    assertThat(Path.of("/proc/" + daemon + "/cwd").toRealPath()).isEqualTo(bundle.toRealPath());
    assertThat(connect(expected, "containerd.task.v3.Task").getShimPid()).isEqualTo(daemon);
    assertThat(Files.readString(Path.of("/proc/" + daemon + "/oom_score_adj")).strip())
        .isEqualTo(Integer.toString(Math.min(1000,
            Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip()) + 1)));

    shutdown(expected);
    assertThat(exitsWithin(daemon, Duration.ofSeconds(15))).as("the daemon exits after Shutdown").isTrue();
    assertThat(Files.exists(socket)).as("the daemon removes its socket").isFalse();
  }

  @Test
  void secondStartReusesTheLiveDaemonAndAStaleSocketIsReplaced() throws Exception {
    String id = uniqueId();
    String address = ShimAddress.of(ShimProcess.CONTAINERD, "ns", id);
    Path socket = ShimAddress.pathOf(address);
    sockets.add(socket);
    Files.createDirectories(socket.getParent());
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket)); // closing leaves a stale file behind
    }
    assertThat(Files.exists(socket)).isTrue();

    String[] args = {"-namespace", "ns", "-id", id, "-address", ShimProcess.CONTAINERD, "start"};
    ShimProcess.Result first = ShimProcess.run(bundle, Map.of(), new byte[0], args);
    assertThat(first.stdoutText()).isEqualTo(address);
    long daemon = connect(address, TaskTtrpc.SERVICE_NAME).getShimPid();

    Path otherBundle = Files.createDirectory(bundle.resolveSibling(bundle.getFileName() + "-2"));
    try {
      ShimProcess.Result second = ShimProcess.run(otherBundle, Map.of(), new byte[0], args);
      assertThat(second.status()).isZero();
      assertThat(second.stdoutText()).isEqualTo(address);
      assertThat(Files.readString(otherBundle.resolve("address"))).isEqualTo(address);
      assertThat(connect(address, TaskTtrpc.SERVICE_NAME).getShimPid()).as("the same daemon").isEqualTo(daemon);
    } finally {
      Files.deleteIfExists(otherBundle.resolve("address"));
      Files.deleteIfExists(otherBundle);
    }

    // SIGTERM ends the daemon as Shutdown would.
    ProcessHandle.of(daemon).orElseThrow().destroy();
    assertThat(exitsWithin(daemon, Duration.ofSeconds(15))).isTrue();
    assertThat(Files.exists(socket)).isFalse();
  }

  @Test
  void newerContainerdGetsJsonAndBootstrapParamsAreHonoured() throws Exception {
    String id = uniqueId();
    Path socketDir = bundle.resolve("sockets");
    BootstrapParams params = BootstrapParams.newBuilder()
        .setInstanceId(id).setNamespace("ns").setContainerdGrpcAddress(ShimProcess.CONTAINERD)
        .setSocketDir(socketDir.toString())
        .addExtensions(Extension.newBuilder().setValue(Anys.pack(Options.newBuilder().setRoot("/r").build())))
        .build();
    String address = ShimAddress.of(ShimProcess.CONTAINERD, "ns", id, socketDir);

    ShimProcess.Result start = ShimProcess.run(bundle, Map.of("MAX_SHIM_VERSION", "3"), params.toByteArray(),
        "-namespace", "ns", "-id", id, "-address", ShimProcess.CONTAINERD, "start");

    assertThat(start.stderr()).isEmpty();
    assertThat(start.stdoutText())
        .isEqualTo("{\"version\":3,\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir))).isEqualTo("rwx--x--x");
    ConnectResponse r = connect(address, "containerd.task.v3.Task");
    assertThat(r.getVersion()).isEqualTo("test");
    shutdown(address);
    assertThat(exitsWithin(r.getShimPid(), Duration.ofSeconds(15))).isTrue();
  }

  @Test
  void containerd17GetsVersion2Json() throws Exception {
    String id = uniqueId();
    String address = ShimAddress.of(ShimProcess.CONTAINERD, "ns", id);
    sockets.add(ShimAddress.pathOf(address));
    ShimProcess.Result start = ShimProcess.run(bundle, Map.of("MAX_SHIM_VERSION", "2"), new byte[0],
        "-namespace", "ns", "-id", id, "-address", ShimProcess.CONTAINERD, "start");
    assertThat(start.stdoutText())
        .isEqualTo("{\"version\":2,\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}");
    long daemon = connect(address, TaskTtrpc.SERVICE_NAME).getShimPid();
    shutdown(address);
    assertThat(exitsWithin(daemon, Duration.ofSeconds(15))).isTrue();
  }

  @Test
  void badCommandLineExitsOneWithNothingOnStdout() throws Exception {
    ShimProcess.Result r = ShimProcess.run(bundle, Map.of(), new byte[0], "-namespace", "ns", "-wat", "start");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr().lines()).singleElement().asString().contains("-wat");
  }

  @Test
  void serveWithoutAListenerFailsClearly() throws Exception {
    ShimProcess.Result r = ShimProcess.run(bundle, Map.of(), new byte[0], "-namespace", "ns", "-id", uniqueId());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
  }

  @Test
  void serveOnASocketPathAndStopOnSigint() throws Exception {
    String id = uniqueId();
    Path socket = bundle.resolve("manual.sock");
    Files.writeString(bundle.resolve("log"), "");
    List<String> cmd = ShimProcess.javaCommand(TestShim.class.getName());
    cmd.addAll(List.of("-namespace", "ns", "-id", id, "-socket", "unix://" + socket, "-debug"));
    Process daemon = new ProcessBuilder(cmd).directory(bundle.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    daemons.add(daemon.pid());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!ShimAddress.isServed(socket) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(connect("unix://" + socket, TaskTtrpc.SERVICE_NAME).getShimPid()).isEqualTo(daemon.pid());

    new ProcessBuilder("kill", "-INT", Long.toString(daemon.pid())).start().waitFor();
    assertThat(daemon.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)).as("SIGINT ends the daemon").isTrue();
    assertThat(daemon.exitValue()).isZero();
    assertThat(Files.exists(socket)).isFalse();
    String log = Files.readString(bundle.resolve("log"));
    assertThat(log).contains("level=info msg=\"server started\"").contains("msg=\"Shutting down shim instance\"");
  }

  @Test
  void deleteInItsOwnProcessPrintsOnlyTheResponse() throws Exception {
    ShimProcess.Result r = ShimProcess.run(bundle, Map.of(), new byte[0],
        "-namespace", "ns", "-id", uniqueId(), "-address", ShimProcess.CONTAINERD, "-bundle", bundle.toString(), "delete");
    assertThat(r.status()).isZero();
    assertThat(r.stderr()).as("no JVM warning either: containerd logs stderr").isEmpty();
    assertThat(r.stdout()).isEqualTo(dev.shim4j.api.task.v2.DeleteResponse.newBuilder().setExitStatus(137).build().toByteArray());
  }
}
