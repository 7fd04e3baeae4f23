package dev.shim4j.dist.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Java half of scripts/bench-shim: measures shims side by side in one run.
 *
 * <pre>
 * ShimBench connect [options] NAME=BINARY...   start → Connect answered, interleaved runs
 * ShimBench pss [options] NAME=BINARY...       idle Pss of --count daemons of each shim
 * options: --bundle DIR --namespace NS --address GRPC --publish-binary BIN
 *          --runs N --warmup N (connect) --count N --settle SECONDS (pss)
 * </pre>
 *
 * Prints a table for people and {@code RESULT key=value} lines for the script; the first shim
 * is the baseline every ratio is relative to.
 */
public final class ShimBench {
  private ShimBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: ShimBench connect|pss [options] NAME=BINARY...");
    }
    Map<String, String> options = new LinkedHashMap<>();
    List<BenchShim> shims = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        options.put(args[i].substring(2), args[++i]);
      } else {
        shims.add(BenchShim.parse(args[i]));
      }
    }
    BenchEnv env = new BenchEnv(Path.of(options.getOrDefault("bundle", ".")).toAbsolutePath(),
        options.getOrDefault("namespace", "shim4j-bench"),
        options.getOrDefault("address", "/run/shim4j-bench/containerd.sock"),
        options.getOrDefault("publish-binary", "/usr/bin/containerd"));
    String prefix = "bench" + ProcessHandle.current().pid();
    switch (args[0]) {
      case "connect" -> connect(shims, env, prefix,
          Integer.parseInt(options.getOrDefault("runs", "20")),
          Integer.parseInt(options.getOrDefault("warmup", "3")));
      case "pss" -> pss(shims, env, prefix,
          Integer.parseInt(options.getOrDefault("count", "1")),
          Integer.parseInt(options.getOrDefault("settle", "3")));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  /** Runs are interleaved (A, B, A, B, ...) so that drift of the machine hits every shim alike. */
  private static void connect(List<BenchShim> shims, BenchEnv env, String prefix, int runs, int warmup)
      throws Exception {
    Map<String, double[]> startMs = new LinkedHashMap<>();
    Map<String, double[]> connectMs = new LinkedHashMap<>();
    shims.forEach(s -> {
      startMs.put(s.name(), new double[runs]);
      connectMs.put(s.name(), new double[runs]);
    });
    for (int run = -warmup; run < runs; run++) {
      for (BenchShim shim : shims) {
        ShimStart.Result r = ShimStart.run(shim, env, prefix + "-" + shim.name() + "-" + (run + warmup));
        ShimStart.stop(r);
        if (run >= 0) {
          startMs.get(shim.name())[run] = r.startExited() / 1e6;
          connectMs.get(shim.name())[run] = r.connectAnswered() / 1e6;
        }
      }
    }
    String base = shims.getFirst().name();
    System.out.printf(Locale.ROOT, "%-12s %14s %18s %10s%n", "shim", "start exit ms", "Connect answered ms", "ratio");
    for (BenchShim shim : shims) {
      double s = Stats.median(startMs.get(shim.name()));
      double c = Stats.median(connectMs.get(shim.name()));
      double ratio = c / Stats.median(connectMs.get(base));
      System.out.printf(Locale.ROOT, "%-12s %14.1f %18.1f %9.2fx   (Connect min %.1f max %.1f, %d runs)%n",
          shim.name(), s, c, ratio, Stats.min(connectMs.get(shim.name())), Stats.max(connectMs.get(shim.name())), runs);
      System.out.printf(Locale.ROOT, "RESULT connect.%s.start_ms=%.1f%n", shim.name(), s);
      System.out.printf(Locale.ROOT, "RESULT connect.%s.connect_ms=%.1f%n", shim.name(), c);
      System.out.printf(Locale.ROOT, "RESULT connect.%s.ratio=%.2f%n", shim.name(), ratio);
    }
  }

  /** COUNT daemons of one shim at a time, idle for SETTLE seconds, then each one's Pss. */
  private static void pss(List<BenchShim> shims, BenchEnv env, String prefix, int count, int settle)
      throws Exception {
    Map<String, Pss> average = new LinkedHashMap<>();
    for (BenchShim shim : shims) {
      List<ShimStart.Result> running = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          running.add(ShimStart.run(shim, env, prefix + "-" + shim.name() + "-pss" + i));
        }
        Thread.sleep(settle * 1000L);
        long pss = 0, anon = 0, file = 0, rss = 0;
        for (ShimStart.Result r : running) {
          Pss p = Pss.of(r.daemonPid());
          pss += p.pss();
          anon += p.anon();
          file += p.file();
          rss += p.rss();
        }
        average.put(shim.name(), new Pss(pss / count, anon / count, file / count, rss / count));
      } finally {
        for (ShimStart.Result r : running) {
          ShimStart.stop(r);
        }
      }
    }
    String base = shims.getFirst().name();
    System.out.printf(Locale.ROOT, "%d running: %-12s %10s %10s %10s %10s %8s%n", count, "shim",
        "Pss kB", "Pss_Anon", "Pss_File", "Rss", "ratio");
    for (var e : average.entrySet()) {
      Pss p = e.getValue();
      double ratio = (double) p.pss() / average.get(base).pss();
      System.out.printf(Locale.ROOT, "%d running: %-12s %10d %10d %10d %10d %7.2fx%n", count, e.getKey(),
          p.pss(), p.anon(), p.file(), p.rss(), ratio);
      System.out.printf(Locale.ROOT, "RESULT pss%d.%s.pss_kb=%d%n", count, e.getKey(), p.pss());
      System.out.printf(Locale.ROOT, "RESULT pss%d.%s.anon_kb=%d%n", count, e.getKey(), p.anon());
      System.out.printf(Locale.ROOT, "RESULT pss%d.%s.ratio=%.2f%n", count, e.getKey(), ratio);
    }
  }
}
