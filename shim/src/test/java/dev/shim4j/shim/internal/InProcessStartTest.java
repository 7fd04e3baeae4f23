package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code start} that becomes the daemon, run as the distribution's launcher runs it: detached by
 * {@code setsid}, with {@code -Ddev.shim4j.start=in-process}, its stdout a pipe that must
 * reach end-of-file once the answer is out although the process lives on.
 */
class InProcessStartTest {
  private static final CallOptions QUICK = CallOptions.timeout(Duration.ofSeconds(10));

  @TempDir Path bundle;
  private final List<String> ids = new ArrayList<>();
  private final List<Path> sockets = new ArrayList<>();

  @AfterEach
  void killLeftovers() throws Exception {
    ProcessHandle.allProcesses()
        .filter(h -> h.info().arguments().map(args -> List.of(args).stream().anyMatch(ids::contains)).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
    for (Path socket : sockets) {
      Files.deleteIfExists(socket);
    }
  }

  record Answer(String stdout, String stderr) {}

  /** Runs start detached and returns what it printed once both pipes reached end-of-file. */
  private Answer start(String id) throws Exception {
    // setsid without -f: it makes this child a session leader and execs the JVM in place, so the
    // Process is the JVM itself (the JDK stops reading the pipes of a Process that has exited).
    List<String> cmd = new ArrayList<>(List.of("setsid"));
    List<String> java = ShimProcess.javaCommand(TestShim.class.getName());
    java.add(1, "-D" + InProcessStart.PROPERTY + "=" + InProcessStart.IN_PROCESS);
    cmd.addAll(java);
    cmd.addAll(List.of("-namespace", "ns", "-id", id, "-address", ShimProcess.CONTAINERD, "start"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(bundle.toFile());
    pb.environment().remove("TTRPC_ADDRESS");
    pb.environment().remove("MAX_SHIM_VERSION");
    Process shim = pb.start();
    shim.getOutputStream().close();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(shim, true));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(shim, false));
    return new Answer(out.get(60, TimeUnit.SECONDS), err.get(60, TimeUnit.SECONDS));
  }

  private static String read(Process p, boolean stdout) {
    try {
      return new String((stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String uniqueId() {
    String id = "shim4j-inproc-" + UUID.randomUUID();
    ids.add(id);
    sockets.add(ShimAddress.pathOf(ShimAddress.of(ShimProcess.CONTAINERD, "ns", id)));
    return id;
  }

  @Test
  void theStartProcessAnswersLetsGoOfItsPipesAndServes() throws Exception {
    String id = uniqueId();
    String expected = ShimAddress.of(ShimProcess.CONTAINERD, "ns", id);

    Answer answer = start(id);

    assertThat(answer.stderr()).isEmpty();
    assertThat(answer.stdout()).isEqualTo(expected);
    assertThat(Files.readString(bundle.resolve("address"))).isEqualTo(expected);
    long daemon;
    try (Client client = Client.connect(expected)) {
      ConnectResponse r = new TaskTtrpc.Client(client).connect(ConnectRequest.getDefaultInstance(), QUICK);
      assertThat(r.getVersion()).isEqualTo("test");
      daemon = r.getShimPid();
    }
    List<String> cmdline = List.of(Files.readString(Path.of("/proc/" + daemon + "/cmdline")).split("\0"));
    assertThat(cmdline).as("the daemon is the start process itself").contains(id).endsWith("start");
    for (int fd = 0; fd <= 2; fd++) {
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + daemon + "/fd/" + fd)))
          .as("descriptor %d of the daemon", fd).isEqualTo(Path.of("/dev/null"));
    }
    String stat = Files.readString(Path.of("/proc/" + daemon + "/stat"));
    assertThat(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3])
        .as("the daemon leads its own session").isEqualTo(Long.toString(daemon));
    assertThat(Files.readString(Path.of("/proc/" + daemon + "/oom_score_adj")).strip())
        .isEqualTo(Integer.toString(Math.min(1000,
            Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip()) + 1)));

    // TestShim groups by container id: a second start for it must find the live daemon.
    Answer again = start(id);
    assertThat(again.stdout()).as("a second start of the group reuses the daemon").isEqualTo(expected);

    try (Client client = Client.connect(expected)) {
      new TaskTtrpc.Client(client).shutdown(ShutdownRequest.getDefaultInstance(), QUICK);
    }
    ProcessHandle handle = ProcessHandle.of(daemon).orElseThrow();
    handle.onExit().get(15, TimeUnit.SECONDS);
    assertThat(Files.exists(ShimAddress.pathOf(expected))).as("the daemon removes its socket").isFalse();
  }

  @Test
  void aStartThatFailsAfterBindingSaysWhyAndLeavesNoDaemonOrSocket() throws Exception {
    String id = uniqueId();
    Path socket = ShimAddress.pathOf(ShimAddress.of(ShimProcess.CONTAINERD, "ns", id));
    // The address file cannot be written: a directory is in its way.
    Files.createDirectory(bundle.resolve("address"));

    Answer answer = start(id);

    assertThat(answer.stdout()).as("nothing on stdout: the launcher reads that as failure").isEmpty();
    assertThat(answer.stderr()).contains("start failed");
    assertThat(Files.exists(socket)).isFalse();
    assertThat(ProcessHandle.allProcesses()
        .filter(h -> h.info().arguments().map(args -> List.of(args).contains(id)).orElse(false)))
        .as("the start process is gone").isEmpty();
  }
}
