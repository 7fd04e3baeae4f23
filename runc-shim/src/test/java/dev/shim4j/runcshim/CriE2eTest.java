package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.cri.CriClient;
import dev.shim4j.cri.CriConfigs;
import dev.shim4j.cri.v1.ContainerConfig;
import dev.shim4j.cri.v1.ContainerFilter;
import dev.shim4j.cri.v1.ContainerState;
import dev.shim4j.cri.v1.ContainerStats;
import dev.shim4j.cri.v1.ContainerStatus;
import dev.shim4j.cri.v1.ExecSyncResponse;
import dev.shim4j.cri.v1.LinuxContainerResources;
import dev.shim4j.cri.v1.PodSandboxConfig;
import dev.shim4j.cri.v1.PodSandboxState;
import dev.shim4j.shim.internal.ShimAddress;
import dev.shim4j.testkit.ContainerdRelease;
import dev.shim4j.testkit.CriHandler;
import dev.shim4j.testkit.PrivateContainerd;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * runc4j through Kubernetes' door: pods driven over CRI ({@code runtime.v1}, what kubelet calls)
 * on a private containerd, each case run for the handler {@code runc4j} and, as the baseline,
 * for {@code runc} (Go's containerd-shim-runc-v2 of the same release). Whatever Go's shim does
 * here, runc4j must do too. One containerd per release serves every case of the class.
 *
 * <p>Pods use the node's network (no CNI here yet: a pod network through the CNI bridge plugin
 * is future work).
 */
class CriE2eTest {
  static final String RUNC4J = "runc4j";
  static final String GO_RUNC = "runc";
  static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private static final Duration EXIT_WAIT = Duration.ofSeconds(60);
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final Map<String, PrivateContainerd> CONTAINERDS = new ConcurrentHashMap<>();
  static Path launcher;

  @BeforeAll
  static void setUp() {
    launcher = E2eSupport.launcher();
  }

  @AfterAll
  static void tearDown() {
    CONTAINERDS.values().forEach(PrivateContainerd::close);
  }

  /**
   * Every release, each with both handlers: for what a release may do its own way with a shim
   * (task API, events such as OOM, metrics, the sandbox's grouping, teardown).
   */
  static Stream<Arguments> everywhere() {
    return Stream.of("1.6", "1.7", "2.1").flatMap(s -> Stream.of(Arguments.of(s, GO_RUNC), Arguments.of(s, RUNC4J)));
  }

  /**
   * The machine's release, both handlers: for what CRI does the same way on every release with
   * any shim (log files, stop's timing, cgroup writes through runc update) and the heavy case.
   */
  static Stream<Arguments> systemRelease() {
    return Stream.of(Arguments.of(ContainerdRelease.SYSTEM_SERIES, GO_RUNC), Arguments.of(ContainerdRelease.SYSTEM_SERIES, RUNC4J));
  }

  static PrivateContainerd containerd(String series) {
    return CONTAINERDS.computeIfAbsent(series, s -> PrivateContainerd.startWithCri(ContainerdRelease.of(s), List.of(
        CriHandler.goRunc(),
        CriHandler.shim(RUNC4J, RuncShim.RUNTIME_ID, launcher))));
  }

  /** A pod of a case: its id, its config (CreateContainer sends it along) and its name. */
  record Pod(PrivateContainerd cd, String id, PodSandboxConfig config, String name) {
    CriClient cri() { return cd.cri(); }

    /** Creates and starts a container in this pod; its id. */
    String run(ContainerConfig container) {
      String id = cri().createContainer(this.id, container, config);
      cri().startContainer(id);
      return id;
    }

    ContainerStatus awaitExit(String containerId) throws InterruptedException {
      assertThat(E2eSupport.eventually(EXIT_WAIT,
          () -> cri().containerStatus(containerId).getState() == ContainerState.CONTAINER_EXITED))
          .as("container exited; containerd log:\n" + cd.logTail(30)).isTrue();
      return cri().containerStatus(containerId);
    }

    String log(String containerName) throws IOException {
      return Files.readString(cd.podLogDir(name).resolve(containerName + ".log"));
    }

    /** A container's cgroup directory in one v1 hierarchy (cgroupfs: parent/containerId). */
    Path cgroup(String controller, String containerId) {
      return CGROUP.resolve(controller).resolve(config.getLinux().getCgroupParent().substring(1)).resolve(containerId);
    }

    /** What kubelet does when a pod goes: stop (kills what runs), then remove. */
    void remove() {
      cri().stopPodSandbox(id);
      cri().removePodSandbox(id);
    }
  }

  static Pod startPod(String series, String handler) {
    PrivateContainerd cd = containerd(series);
    String name = handler + "-" + SEQ.incrementAndGet();
    PodSandboxConfig config = cd.hostNetworkPod(name);
    String id = cd.cri().runPodSandbox(config, handler);
    return new Pod(cd, id, config, name);
  }

  static ContainerConfig sleeper(PrivateContainerd cd, String name) {
    return CriConfigs.container(name, cd.criImage(), "/bin/sleep", "600");
  }

  /**
   * The shim daemons serving {@code id} (a pod's sandbox id): runc4j's JVMs (see
   * {@link ShimProcesses#serving}), or Go's {@code containerd-shim-runc-v2 -id ID} without an
   * action (start and delete are short-lived invocations, not the daemon).
   */
  static List<ProcessHandle> shims(String handler, String id) {
    if (handler.equals(RUNC4J)) {
      return ShimProcesses.serving(id);
    }
    return ProcessHandle.allProcesses().filter(h -> {
      List<String> argv = ShimProcesses.argv(h.pid());
      int i = argv.indexOf("-id");
      return !argv.isEmpty() && argv.get(0).endsWith("containerd-shim-runc-v2") && i >= 0 && i + 1 < argv.size()
          && argv.get(i + 1).equals(id) && !argv.contains("start") && !argv.contains("delete");
    }).toList();
  }

  static Path shimSocket(PrivateContainerd cd, String podId) {
    return ShimAddress.pathOf(ShimAddress.of(cd.address().toString(), PrivateContainerd.CRI_NAMESPACE, podId));
  }

  static boolean anyMountNames(String id) {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(id));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ----- the cases -----

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("everywhere")
  void podLifecycleLeavesNoShimMountOrSocket(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    CriClient cri = pod.cri();
    assertThat(cri.podSandboxStatus(pod.id()).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    assertThat(cri.podSandboxStatus(pod.id()).getRuntimeHandler()).isEqualTo(handler);
    String c = pod.run(sleeper(pod.cd(), "sleeper"));
    assertThat(cri.containerStatus(c).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(shims(handler, pod.id())).as("the pod's shim").hasSize(1);
    Path socket = shimSocket(pod.cd(), pod.id());
    assertThat(socket).as("the shim's socket while the pod runs").exists();
    assertThat(anyMountNames(c)).as("the container's rootfs is mounted").isTrue();

    pod.remove();

    assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> shims(handler, pod.id()).isEmpty()))
        .as("no shim left: " + shims(handler, pod.id())).isTrue();
    assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> !anyMountNames(pod.id()) && !anyMountNames(c)))
        .as("no mount of the pod or its container left").isTrue();
    assertThat(socket).as("no socket left").doesNotExist();
    assertThat(pod.cd().ctrCriOk("containers", "ls", "-q").lines()).doesNotContain(pod.id(), c);
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("everywhere")
  void threeContainersShareTheSandboxsShim(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    List<String> containers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      containers.add(pod.run(sleeper(pod.cd(), "c" + i)));
    }
    List<String> running = pod.cri().listContainers(ContainerFilter.newBuilder().setPodSandboxId(pod.id()).build())
        .stream().filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).map(c -> c.getId()).toList();
    assertThat(running).containsExactlyInAnyOrderElementsOf(containers);
    assertThat(shims(handler, pod.id())).as("one shim daemon for the sandbox and its 3 containers").hasSize(1);
    for (String c : containers) {
      assertThat(shims(handler, c)).as("no daemon of the container's own").isEmpty();
    }
    pod.remove();
    assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> shims(handler, pod.id()).isEmpty())).isTrue();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("everywhere")
  void execSyncGivesOutputExitCodeAndTimesOut(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    CriClient cri = pod.cri();
    String c = pod.run(sleeper(pod.cd(), "sleeper"));

    ExecSyncResponse r = cri.execSync(c, Duration.ofSeconds(30), "/bin/sh", "-c", "echo out; echo err >&2; exit 7");
    assertThat(r.getStdout().toStringUtf8()).isEqualTo("out\n");
    assertThat(r.getStderr().toStringUtf8()).isEqualTo("err\n");
    assertThat(r.getExitCode()).isEqualTo(7);

    String marker = Integer.toString(3000 + SEQ.incrementAndGet());
    assertThatThrownBy(() -> cri.execSync(c, Duration.ofSeconds(1), "/bin/sleep", marker))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> ProcessHandle.allProcesses()
        .noneMatch(h -> ShimProcesses.argv(h.pid()).equals(List.of("/bin/sleep", marker)))))
        .as("the timed-out exec was killed").isTrue();
    assertThat(cri.execSync(c, Duration.ofSeconds(30), "/bin/echo", "still").getStdout().toStringUtf8())
        .as("the container serves execs after a timeout").isEqualTo("still\n");
    pod.remove();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("systemRelease")
  void logFileHasBothStreamsInCriFormat(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    String c = pod.run(CriConfigs.container("talker", pod.cd().criImage(),
        "/bin/sh", "-c", "echo out1; echo err1 >&2; echo out2"));
    assertThat(pod.awaitExit(c).getExitCode()).isZero();

    List<String> lines = pod.log("talker").lines().toList();
    // CRI's log format: RFC 3339 time, stream, F(ull) or P(artial), the line.
    assertThat(lines).hasSize(3).allSatisfy(l -> {
      String[] f = l.split(" ", 4);
      assertThat(f).as(l).hasSize(4);
      assertThat(OffsetDateTime.parse(f[0])).as(l).isNotNull();
    });
    assertThat(lines.stream().map(l -> l.split(" ", 2)[1]).toList())
        .containsExactlyInAnyOrder("stdout F out1", "stderr F err1", "stdout F out2");
    assertThat(lines.stream().map(l -> l.split(" ", 2)[1]).filter(l -> l.startsWith("stdout")).toList())
        .as("one stream keeps its order").containsExactly("stdout F out1", "stdout F out2");
    pod.remove();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("everywhere")
  void containerStatusGivesExitCodeAndReason(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    String image = pod.cd().criImage();
    String ok = pod.run(CriConfigs.container("ok", image, "/bin/true"));
    String failed = pod.run(CriConfigs.container("failed", image, "/bin/sh", "-c", "exit 3"));
    // A 128 MiB buffer filled from /dev/zero under a 32 MiB limit (no swap): the kernel kills it.
    String oom = pod.run(CriConfigs.container("oom", image, 32L << 20,
        "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=4"));

    ContainerStatus okStatus = pod.awaitExit(ok);
    assertThat(okStatus.getExitCode()).isZero();
    assertThat(okStatus.getReason()).isEqualTo("Completed");
    ContainerStatus failedStatus = pod.awaitExit(failed);
    assertThat(failedStatus.getExitCode()).isEqualTo(3);
    assertThat(failedStatus.getReason()).isEqualTo("Error");
    ContainerStatus oomStatus = pod.awaitExit(oom);
    assertThat(oomStatus.getExitCode()).as(oomStatus.toString()).isEqualTo(137);
    assertThat(oomStatus.getReason()).as(oomStatus.toString()).isEqualTo("OOMKilled");
    pod.remove();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("systemRelease")
  void stopContainerSendsTermThenKillAfterTheGracePeriod(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    CriClient cri = pod.cri();
    String image = pod.cd().criImage();
    String polite = pod.run(CriConfigs.container("polite", image,
        "/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"));
    String deaf = pod.run(CriConfigs.container("deaf", image,
        "/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"));
    // Both traps are set once the shell runs its loop; give it that long.
    assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () ->
        cri.execSync(deaf, Duration.ofSeconds(10), "/bin/sh", "-c", "ps | grep -q 'sleep 1'").getExitCode() == 0
            && cri.execSync(polite, Duration.ofSeconds(10), "/bin/sh", "-c", "ps | grep -q 'sleep 1'").getExitCode() == 0))
        .isTrue();

    cri.stopContainer(polite, Duration.ofSeconds(60));
    ContainerStatus politeStatus = cri.containerStatus(polite);
    assertThat(politeStatus.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(politeStatus.getExitCode()).as("TERM reached the trap: " + politeStatus).isZero();

    long t0 = System.nanoTime();
    cri.stopContainer(deaf, Duration.ofSeconds(2));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    ContainerStatus deafStatus = cri.containerStatus(deaf);
    assertThat(deafStatus.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(deafStatus.getExitCode()).as("killed: " + deafStatus).isEqualTo(137);
    assertThat(tookMs).as("KILL only after the grace period").isGreaterThanOrEqualTo(1900);
    pod.remove();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("systemRelease")
  void updateContainerResourcesReachesTheCgroup(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    String c = pod.run(CriConfigs.container("limited", pod.cd().criImage(), 256L << 20, "/bin/sleep", "600"));
    Path memory = pod.cgroup("memory", c).resolve("memory.limit_in_bytes");
    assertThat(Files.readString(memory).strip()).isEqualTo(Long.toString(256L << 20));

    pod.cri().updateContainerResources(c, LinuxContainerResources.newBuilder()
        .setMemoryLimitInBytes(64L << 20).setMemorySwapLimitInBytes(64L << 20)
        .setCpuPeriod(100_000).setCpuQuota(50_000).setCpuShares(512).build());

    assertThat(Files.readString(memory).strip()).isEqualTo(Long.toString(64L << 20));
    assertThat(Files.readString(pod.cgroup("cpu", c).resolve("cpu.cfs_quota_us")).strip()).isEqualTo("50000");
    assertThat(Files.readString(pod.cgroup("cpu", c).resolve("cpu.cfs_period_us")).strip()).isEqualTo("100000");
    assertThat(Files.readString(pod.cgroup("cpu", c).resolve("cpu.shares")).strip()).isEqualTo("512");
    assertThat(pod.cri().containerStatus(c).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    pod.remove();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("everywhere")
  void containerStatsHaveCpuAndMemory(String series, String handler) throws Exception {
    Pod pod = startPod(series, handler);
    // Some CPU time and some memory first, then idle.
    String c = pod.run(CriConfigs.container("busy", pod.cd().criImage(), "/bin/sh", "-c",
        "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; x=$(seq 1 20000); exec sleep 600"));
    ContainerStats[] last = new ContainerStats[1];
    assertThat(E2eSupport.eventually(Duration.ofSeconds(30), () -> {
      last[0] = pod.cri().containerStats(c);
      return last[0].getCpu().getUsageCoreNanoSeconds().getValue() > 10_000_000L
          && last[0].getMemory().getWorkingSetBytes().getValue() > 0;
    })).as("stats: " + last[0]).isTrue();
    assertThat(last[0].getAttributes().getId()).isEqualTo(c);
    assertThat(last[0].getMemory().getUsageBytes().getValue()).isPositive();
    pod.remove();
  }

  @ParameterizedTest(name = "containerd {0}, handler {1}")
  @MethodSource("systemRelease")
  void twentyPodsStartInParallel(String series, String handler) throws Exception {
    PrivateContainerd cd = containerd(series);
    int n = 20;
    List<Pod> pods = new ArrayList<>();
    long t0 = System.nanoTime();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Pod>> started = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        started.add(pool.submit(() -> {
          Pod pod = startPod(series, handler);
          String c = pod.run(CriConfigs.container("echo", cd.criImage(), "/bin/echo", "pod " + k));
          assertThat(pod.awaitExit(c).getExitCode()).isZero();
          return pod;
        }));
      }
      for (Future<Pod> f : started) {
        pods.add(f.get());
      }
      System.out.printf("CRI containerd %s handler %s: %d pods run, each a container that exited, in %d ms%n",
          cd.release().version(), handler, n, (System.nanoTime() - t0) / 1_000_000);
      for (int i = 0; i < n; i++) {
        assertThat(pods.get(i).log("echo")).endsWith(" stdout F pod " + i + "\n");
      }
      List<Future<?>> removed = pods.stream().<Future<?>>map(p -> pool.submit(p::remove)).toList();
      for (Future<?> f : removed) {
        f.get();
      }
    }
    assertThat(E2eSupport.eventually(Duration.ofSeconds(30),
        () -> pods.stream().allMatch(p -> shims(handler, p.id()).isEmpty()))).as("no shim left").isTrue();
    assertThat(pods.stream().map(p -> shimSocket(cd, p.id())).filter(Files::exists).toList()).as("sockets left").isEmpty();
  }

  /** runc4j's daemons run on runc4j's own classpath: grpc and netty (the tests' CRI client) are not even reachable. */
  @Test
  void runc4jRunsWithoutTheClientsGrpc() {
    Pod pod = startPod(ContainerdRelease.SYSTEM_SERIES, RUNC4J);
    List<String> argv = ShimProcesses.argv(shims(RUNC4J, pod.id()).get(0).pid());
    String classpath = argv.get(argv.indexOf("-cp") + 1);
    assertThat(classpath).contains("runc-shim").doesNotContain("grpc").doesNotContain("netty");
    pod.remove();
  }
}
