package dev.shim4j.dist.bench;

import dev.shim4j.cri.CriClient;
import dev.shim4j.cri.CriConfigs;
import dev.shim4j.cri.v1.PodSandboxConfig;
import dev.shim4j.testkit.ContainerdRelease;
import dev.shim4j.testkit.CriHandler;
import dev.shim4j.testkit.PrivateContainerd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pods through containerd's CRI, Go's runc shim (handler {@code runc}) against runc4j as
 * installed (handler {@code runc4j}: the distribution's launcher with its defaults, spares and
 * starts answered by live daemons), on private containerds of the testkit:
 *
 * <ol>
 *   <li>pod start latency: RunPodSandbox + CreateContainer + StartContainer of a host-network
 *       pod with one busybox {@code sleep}, torn down untimed; the two sides interleaved (A B,
 *       B A, ...) so drift hits both alike; median and p90;
 *   <li>{@code AT_ONCE} such pods started at once: wall time until all run, each side;
 *   <li>shim memory: the Pss of every process containerd gave its environment to (its
 *       TTRPC_ADDRESS: shims, daemons, spares) with {@code IDLE} idle pods running, each mode on
 *       a containerd of its own: Go, runc4j with a daemon per pod, runc4j node-wide (pod
 *       annotation {@code dev.shim4j.group=node}, which the handler passes on).
 * </ol>
 *
 * Run by {@code scripts/bench-pods}: {@code PodBench LAUNCHER RUNS AT_ONCE IDLE SETTLE_SECONDS};
 * the containerd release is the testkit's selected one ({@code -Dshim4j.containerd}, 1.6 by
 * default). Prints figures and {@code RESULT key=value} lines; ratios are runc4j / Go of this run.
 */
public final class PodBench {
  static final String GO = "runc";
  static final String RUNC4J = "runc4j";
  static final String NODE_WIDE_ANNOTATION = "dev.shim4j.group";

  private final Path launcher;
  private final ContainerdRelease release = ContainerdRelease.selected();
  private final AtomicInteger seq = new AtomicInteger();

  private PodBench(Path launcher) {
    this.launcher = launcher;
  }

  /**
   * grpc's netty warns on every CRI connection that a Unix socket has no SO_KEEPALIVE; kept here
   * so that the setting outlives the main method's first lines (JUL holds loggers weakly).
   */
  private static final java.util.logging.Logger NETTY = java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty");

  public static void main(String[] args) throws Exception {
    NETTY.setLevel(java.util.logging.Level.SEVERE);
    if (args.length != 5) {
      System.err.println("usage: PodBench LAUNCHER RUNS AT_ONCE IDLE SETTLE_SECONDS");
      System.exit(2);
    }
    var bench = new PodBench(Path.of(args[0]).toAbsolutePath());
    int runs = Integer.parseInt(args[1]);
    int atOnce = Integer.parseInt(args[2]);
    int idle = Integer.parseInt(args[3]);
    int settle = Integer.parseInt(args[4]);
    System.out.println("== containerd " + bench.release.version() + " (CRI); runc4j: " + bench.launcher);
    bench.latency(runs);
    bench.atOnce(atOnce);
    bench.memory(idle, settle);
    System.exit(0); // the testkit's cleanup hook has nothing left; no CRI channel thread keeps the JVM
  }

  private List<CriHandler> handlers() {
    return List.of(CriHandler.goRunc(),
        CriHandler.shim(RUNC4J, "io.containerd.runc4j.v2", launcher).withPodAnnotations(NODE_WIDE_ANNOTATION));
  }

  /** A running pod: its sandbox id. */
  private String startPod(PrivateContainerd cd, String handler, boolean nodeWide) {
    String name = handler + "-" + seq.incrementAndGet();
    PodSandboxConfig config = cd.hostNetworkPod(name);
    if (nodeWide) {
      config = config.toBuilder().putAnnotations(NODE_WIDE_ANNOTATION, "node").build();
    }
    CriClient cri = cd.cri();
    String pod = cri.runPodSandbox(config, handler);
    String container = cri.createContainer(pod, CriConfigs.container("sleep", cd.criImage(), "/bin/sleep", "3600"), config);
    cri.startContainer(container);
    return pod;
  }

  private static void removePod(PrivateContainerd cd, String pod) {
    cd.cri().stopPodSandbox(pod);
    cd.cri().removePodSandbox(pod);
  }

  // ------------------------------------------------------------------ 1. latency

  private void latency(int runs) {
    System.out.printf("== (1) pod start latency (RunPodSandbox + CreateContainer + StartContainer), %d runs each, interleaved%n", runs);
    try (var cd = PrivateContainerd.startWithCri(release, handlers())) {
      System.out.println("   load average at start: " + loadAverage());
      List<Double> go = new ArrayList<>();
      List<Double> ours = new ArrayList<>();
      int warmup = 2;
      for (int i = 0; i < warmup + runs; i++) {
        String[] order = i % 2 == 0 ? new String[] {GO, RUNC4J} : new String[] {RUNC4J, GO};
        for (String handler : order) {
          long t0 = System.nanoTime();
          String pod = startPod(cd, handler, false);
          double ms = (System.nanoTime() - t0) / 1e6;
          removePod(cd, pod);
          if (i >= warmup) {
            (handler.equals(GO) ? go : ours).add(ms);
          }
        }
      }
      System.out.println("   load average at end: " + loadAverage());
      double goMedian = percentile(go, 50);
      double ourMedian = percentile(ours, 50);
      System.out.printf("   go: median %.1f ms, p90 %.1f ms; runc4j: median %.1f ms, p90 %.1f ms; ratio %.2fx (target <= 1.25x)%n",
          goMedian, percentile(go, 90), ourMedian, percentile(ours, 90), ourMedian / goMedian);
      System.out.println("   runc4j's runs in order (ms): " + rounded(ours));
      result("latency.go.median_ms", "%.1f", goMedian);
      result("latency.go.p90_ms", "%.1f", percentile(go, 90));
      result("latency.runc4j.median_ms", "%.1f", ourMedian);
      result("latency.runc4j.p90_ms", "%.1f", percentile(ours, 90));
      result("latency.ratio", "%.2f", ourMedian / goMedian);
    }
  }

  // ------------------------------------------------------------------ 2. at once

  private void atOnce(int n) throws Exception {
    System.out.printf("== (2) %d pods started at once: wall time until all run, each side on a containerd of its own%n", n);
    double go = batch(GO, n);
    double ours = batch(RUNC4J, n);
    System.out.printf("   go %.0f ms, runc4j %.0f ms, ratio %.2fx (target <= 1.5x)%n", go, ours, ours / go);
    result("at_once.n", "%d", n);
    result("at_once.go.wall_ms", "%.0f", go);
    result("at_once.runc4j.wall_ms", "%.0f", ours);
    result("at_once.ratio", "%.2f", ours / go);
  }

  private double batch(String handler, int n) throws Exception {
    try (var cd = PrivateContainerd.startWithCri(release, handlers())) {
      // one pod first, torn down, as on a node that ran pods before: the side's first start
      // (and runc4j's first spare) is not part of the batch
      removePod(cd, startPod(cd, handler, false));
      System.out.println("   " + handler + ": load average at start: " + loadAverage());
      List<Future<String>> pods = new ArrayList<>();
      long t0 = System.nanoTime();
      try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < n; i++) {
          pods.add(threads.submit(() -> startPod(cd, handler, false)));
        }
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      System.out.println("   " + handler + ": load average at end: " + loadAverage());
      for (Future<String> pod : pods) {
        removePod(cd, pod.get()); // a failed start fails the benchmark here
      }
      return ms;
    }
  }

  // ------------------------------------------------------------------ 3. memory

  private void memory(int pods, int settleSeconds) throws Exception {
    System.out.printf("== (3) shim memory with %d idle one-container pods (Pss %d s after the last start), each mode on a containerd of its own%n",
        pods, settleSeconds);
    Memory go = memory("go", GO, false, pods, settleSeconds);
    Memory perPod = memory("runc4j", RUNC4J, false, pods, settleSeconds);
    Memory node = memory("runc4j-node", RUNC4J, true, pods, settleSeconds);
    System.out.printf("   %-12s %10s %12s %12s %8s%n", "mode", "processes", "total kB", "per pod kB", "vs go");
    for (Memory m : List.of(go, perPod, node)) {
      System.out.printf("   %-12s %10d %12d %12d %7.2fx%n", m.mode(), m.processes(), m.totalKb(), m.totalKb() / pods,
          (double) m.totalKb() / go.totalKb());
      result("mem." + m.mode() + ".total_kb", "%d", m.totalKb());
      result("mem." + m.mode() + ".per_pod_kb", "%d", m.totalKb() / pods);
      result("mem." + m.mode() + ".processes", "%d", m.processes());
      result("mem." + m.mode() + ".ratio", "%.2f", (double) m.totalKb() / go.totalKb());
    }
    System.out.printf("   node-wide / go: %.2fx (target <= 0.25x); per pod / go: %.2fx%n",
        (double) node.totalKb() / go.totalKb(), (double) perPod.totalKb() / go.totalKb());
  }

  record Memory(String mode, int processes, long totalKb) {}

  private Memory memory(String mode, String handler, boolean nodeWide, int pods, int settleSeconds) throws Exception {
    try (var cd = PrivateContainerd.startWithCri(release, handlers())) {
      System.out.println("   " + mode + ": load average at start: " + loadAverage());
      for (int i = 0; i < pods; i++) {
        startPod(cd, handler, nodeWide);
      }
      Thread.sleep(settleSeconds * 1000L);
      int processes = 0;
      long total = 0;
      for (int pid : shimProcesses(cd)) {
        try {
          total += Pss.of(pid).pss();
          processes++;
        } catch (IOException gone) {
          // ended meanwhile: a short-lived helper, not a shim
        }
      }
      System.out.println("   " + mode + ": load average at end: " + loadAverage());
      return new Memory(mode, processes, total);
    }
  }

  /**
   * The processes containerd gave its environment to: its TTRPC_ADDRESS is in theirs. Shims,
   * their daemons and spares, whatever their command line; not the containers' processes, which
   * get the OCI spec's environment.
   */
  static List<Integer> shimProcesses(PrivateContainerd cd) throws IOException {
    byte[] mark = ("TTRPC_ADDRESS=" + cd.ttrpcAddress()).getBytes(StandardCharsets.UTF_8);
    List<Integer> pids = new ArrayList<>();
    try (var proc = Files.list(Path.of("/proc"))) {
      for (Path p : proc.toList()) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        byte[] environ;
        try {
          environ = Files.readAllBytes(p.resolve("environ"));
        } catch (IOException gone) {
          continue;
        }
        if (hasEntry(environ, mark)) {
          pids.add(Integer.parseInt(name));
        }
      }
    }
    return pids;
  }

  /** Whether the NUL-separated {@code environ} has exactly the entry {@code entry}. */
  static boolean hasEntry(byte[] environ, byte[] entry) {
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        if (Arrays.equals(environ, start, i, entry, 0, entry.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ figures

  static double percentile(List<Double> sample, int p) {
    double[] sorted = sample.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (p == 50) {
      return Stats.median(sorted);
    }
    // nearest rank
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  private static String rounded(List<Double> ms) {
    var sb = new StringBuilder();
    for (double m : ms) {
      sb.append(Math.round(m)).append(' ');
    }
    return sb.toString().strip();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static void result(String key, String format, Object value) {
    System.out.println("RESULT pods." + key + "=" + String.format(Locale.ROOT, format, value));
  }
}
