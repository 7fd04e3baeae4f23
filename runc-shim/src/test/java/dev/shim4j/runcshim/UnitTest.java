package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.api.runc.options.Options;
import dev.shim4j.runc.Json;
import dev.shim4j.runc.RuncStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shim's pure logic: stdio URIs, grouping keys, options.json, spec reading, metrics. */
class UnitTest {
  @TempDir Path dir;

  @Test
  void stdioTargets() {
    assertThat(StdioTarget.parse("")).isInstanceOf(StdioTarget.None.class);
    assertThat(StdioTarget.parse("/run/fifo/x-stdout")).isEqualTo(new StdioTarget.Fifo(Path.of("/run/fifo/x-stdout")));
    assertThat(StdioTarget.parse("fifo:///run/f")).isEqualTo(new StdioTarget.Fifo(Path.of("/run/f")));
    assertThat(StdioTarget.parse("file:///var/log/c.log")).isEqualTo(new StdioTarget.File(Path.of("/var/log/c.log")));
    assertThat(StdioTarget.parse("binary:///usr/bin/logger?id=c1&flag&path=%2Fa%20b"))
        .isEqualTo(new StdioTarget.Binary(Path.of("/usr/bin/logger"), List.of("id", "c1", "flag", "path", "/a b")));
    assertThatThrownBy(() -> StdioTarget.parse("http://x/y")).hasMessageContaining("unsupported stdio URI scheme 'http'");
    assertThatThrownBy(() -> StdioTarget.parse("file://")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StdioTarget.parse("binary:?x=1")).hasMessageContaining("no path");
  }

  @Test
  void groupKeys() {
    Map<String, String> noEnv = Map.of();
    assertThat(Grouping.groupKey("c1", Map.of(), noEnv)).isEqualTo("c1");
    assertThat(Grouping.groupKey("c1", Map.of(Grouping.CRI_SANDBOX, "sb"), noEnv)).isEqualTo("sb");
    assertThat(Grouping.groupKey("c1", Map.of(Grouping.CRI_SANDBOX, "sb", Grouping.RUNC_GROUP, "g"), noEnv)).isEqualTo("g");
    assertThat(Grouping.groupKey("c1", Map.of(Grouping.RUNC_GROUP, "g", Grouping.SHIM4J_GROUP, "node"), noEnv))
        .isEqualTo(Grouping.NODE_KEY);
    assertThat(Grouping.groupKey("c1", Map.of(Grouping.SHIM4J_GROUP, "mine"), noEnv)).isEqualTo("mine");
    assertThat(Grouping.groupKey("c1", Map.of(), Map.of(Grouping.ENV, "node"))).isEqualTo(Grouping.NODE_KEY);
    assertThat(Grouping.groupKey("c1", Map.of(Grouping.RUNC_GROUP, "g"), Map.of(Grouping.ENV, "node"))).isEqualTo("g");
    // a bundle without a readable config.json groups by id
    assertThat(Grouping.groupKey("c1", dir, noEnv)).isEqualTo("c1");
  }

  @Test
  void optionsJsonRoundTrip() throws Exception {
    Options opts = Options.newBuilder().setBinaryName("/usr/bin/crun").setRoot("/run/x").setSystemdCgroup(true)
        .setNoPivotRoot(true).setIoUid(1000).setCriuWorkPath("/w").build();
    new RuncConfig(opts).write(dir);
    RuncConfig back = RuncConfig.read(dir);
    assertThat(back.options).isEqualTo(opts);
    assertThat(back.binary()).isEqualTo("/usr/bin/crun");
    assertThat(back.root("ns1")).isEqualTo(Path.of("/run/x/ns1"));
    assertThat(java.nio.file.Files.readString(dir.resolve("runtime"))).isEqualTo("/usr/bin/crun");
    assertThat(RuncConfig.read(dir.resolve("missing")).root("ns")).isEqualTo(Path.of("/run/containerd/runc/ns"));
  }

  @Test
  void pidNamespaceAndCgroupFromSpec() {
    Map<String, Object> own = Json.parseObject("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}],\"cgroupsPath\":\"/ns/c1\"}}");
    Map<String, Object> joined = Json.parseObject("{\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]}}");
    Map<String, Object> host = Json.parseObject("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"cgroupsPath\":\"system.slice:x:y\"}}");
    assertThat(Container.hasOwnPidNamespace(own)).isTrue();
    assertThat(Container.hasOwnPidNamespace(joined)).isFalse();
    assertThat(Container.hasOwnPidNamespace(host)).isFalse();
  }

  @Test
  void metricsFromRuncStats() {
    RuncStats s = new RuncStats(
        new RuncStats.Cpu(1000, 400, 600, List.of(500L, 500L), 1, 2, 3),
        new RuncStats.Memory(9, new RuncStats.MemoryEntry(100, 50, 70, 1), new RuncStats.MemoryEntry(0, 0, 0, 0),
            new RuncStats.MemoryEntry(0, 5, 0, 0), new RuncStats.MemoryEntry(0, 0, 0, 0), Map.of("rss", 44L, "total_cache", 8L)),
        new RuncStats.Pids(3, 10), Map.of());
    var v1 = StatsMetrics.v1(s);
    assertThat(v1.getCpu().getUsage().getTotal()).isEqualTo(1000);
    assertThat(v1.getCpu().getUsage().getPerCpuList()).containsExactly(500L, 500L);
    assertThat(v1.getCpu().getThrottling().getThrottledTime()).isEqualTo(3);
    assertThat(v1.getMemory().getUsage().getUsage()).isEqualTo(50);
    assertThat(v1.getMemory().getRss()).isEqualTo(44);
    assertThat(v1.getMemory().getTotalCache()).isEqualTo(8);
    assertThat(v1.getPids().getLimit()).isEqualTo(10);
    var v2 = StatsMetrics.v2(s);
    assertThat(v2.getCpu().getUsageUsec()).isEqualTo(1);
    assertThat(v2.getMemory().getUsage()).isEqualTo(50);
    assertThat(v2.getPids().getCurrent()).isEqualTo(3);
  }

  @Test
  void deleteActionAfterACleanDeleteHasNothingToDo() throws Exception {
    Container.markDeleted(dir);
    var r = new RuncShim(null).deleteShim(new dev.shim4j.shim.DeleteOpts("c1", "ns-unused", dir));
    assertThat(r).isEqualTo(dev.shim4j.api.task.v2.DeleteResponse.getDefaultInstance());
  }

  @Test
  void deleteActionReportsAKilledContainer() throws Exception {
    java.nio.file.Files.writeString(dir.resolve("init.pid"), "4242");
    String ns = "s4j-unit-" + ProcessHandle.current().pid();
    var r = new RuncShim(null).deleteShim(new dev.shim4j.shim.DeleteOpts("c1", ns, dir));
    assertThat(r.getExitStatus()).isEqualTo(137);
    assertThat(r.getPid()).isEqualTo(4242);
    assertThat(r.getExitedAt().getSeconds()).isPositive();
  }

  @Test
  void stdioPipesBelongToIoUidAndCopyToTheFifo() throws Exception {
    Path fifo = dir.resolve("out");
    dev.shim4j.sys.Fds.mkfifo(fifo, 0600);
    // containerd's side of the FIFO: our reader
    int reader = dev.shim4j.sys.Fds.openFifoNonBlocking(fifo, dev.shim4j.sys.Fds.O_RDONLY);
    try (ProcessStdio io = ProcessStdio.open("t", false, "", fifo.toString(), "", "c1", "ns", 1234, 4321)) {
      var out = (dev.shim4j.shim.reaper.Stdio.Fd) io.childIo().stdout();
      Path link = Path.of("/proc/self/fd/" + out.fd());
      assertThat(java.nio.file.Files.getAttribute(link, "unix:uid")).isEqualTo(1234);
      assertThat(java.nio.file.Files.getAttribute(link, "unix:gid")).isEqualTo(4321);
      // what the process writes reaches the FIFO, and EOF ends the copy
      try (var w = new dev.shim4j.sys.FdOutputStream(dev.shim4j.sys.Fds.dup(out.fd()))) {
        w.write("hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      io.childStarted();
      assertThat(io.awaitOutput(java.time.Duration.ofSeconds(5))).isTrue();
      try (var r = new dev.shim4j.sys.FdInputStream(reader)) {
        assertThat(new String(r.readNBytes(6), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello\n");
      }
    }
  }

  @Test
  void olderCreateOptionsAreRuncOptions() throws Exception {
    var old = dev.shim4j.api.runc.linux.CreateOptions.newBuilder()
        .setNoPivotRoot(true).setNoNewKeyring(true).setShimCgroup("/shim").setIoUid(7).setIoGid(8)
        .setCriuWorkPath("/w").setCriuImagePath("/i").setOpenTcp(true).build();
    Options o = RuncConfig.fromAny(dev.shim4j.api.Anys.pack(old)).options;
    assertThat(o).isEqualTo(Options.newBuilder()
        .setNoPivotRoot(true).setNoNewKeyring(true).setShimCgroup("/shim").setIoUid(7).setIoGid(8)
        .setCriuWorkPath("/w").setCriuImagePath("/i").build());
  }

  @Test
  void optionsOfAnUnknownTypeFailTheCreate() {
    var any = com.google.protobuf.Any.newBuilder().setTypeUrl("example.com/some.Other")
        .setValue(com.google.protobuf.ByteString.copyFromUtf8("x")).build();
    assertThatThrownBy(() -> RuncConfig.fromAny(any))
        .isInstanceOfSatisfying(dev.shim4j.ttrpc.TtrpcException.class,
            e -> assertThat(e.code()).isEqualTo(dev.shim4j.ttrpc.Code.INVALID_ARGUMENT))
        .hasMessageContaining("example.com/some.Other");
  }

  /** What runc prints into the pipes before the process exists (a failed create) stays there. */
  @Test
  void outputBeforeTheChildStartedIsNotCopied() throws Exception {
    Path fifo = dir.resolve("err");
    dev.shim4j.sys.Fds.mkfifo(fifo, 0600);
    int reader = dev.shim4j.sys.Fds.openFifoNonBlocking(fifo, dev.shim4j.sys.Fds.O_RDONLY | dev.shim4j.sys.Fds.O_NONBLOCK);
    try (ProcessStdio io = ProcessStdio.open("t", false, "", "", fifo.toString(), "c1", "ns")) {
      var err = (dev.shim4j.shim.reaper.Stdio.Fd) io.childIo().stderr();
      try (var w = new dev.shim4j.sys.FdOutputStream(dev.shim4j.sys.Fds.dup(err.fd()))) {
        w.write("runc: create failed\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      Thread.sleep(200);
    }
    dev.shim4j.sys.Fds.setNonBlocking(reader, true);
    try (var r = new dev.shim4j.sys.FdInputStream(reader)) {
      // the FIFO is empty and its only writer (ours) is gone: end of file, no bytes
      assertThat(r.readAllBytes()).isEmpty();
    }
  }

  /**
   * Thirty processes at once, each with a client that writes its line into the stdin FIFO and
   * sends CloseIO right away, racing the process's start: every process reads its whole line,
   * then end of file, whichever comes first. Every third has no input and sends CloseIO before
   * the start: its process reads end of file; of the others, every third sends no CloseIO at
   * all and only closes the FIFO: that ends the input too.
   */
  @Test
  void closeIoLetsWhatIsInTheStdinFifoReachTheProcess() throws Exception {
    int n = 30;
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<String>> got = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        got.add(pool.submit(() -> {
          Path fifo = dir.resolve("in-" + k);
          dev.shim4j.sys.Fds.mkfifo(fifo, 0600);
          try (ProcessStdio io = ProcessStdio.open("t" + k, false, fifo.toString(), "", "", "c1", "ns")) {
            var in = (dev.shim4j.shim.reaper.Stdio.Fd) io.childIo().stdin();
            int child = dev.shim4j.sys.Fds.dup(in.fd());
            if (k % 3 == 0) {
              // a client with nothing to send: CloseIO before the start, the FIFO never opened
              io.closeStdin();
              io.childStarted();
              try (var r = new dev.shim4j.sys.FdInputStream(child)) {
                return "line " + k + "\n" + new String(r.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
              }
            }
            var client = pool.submit(() -> {
              // containerd's client: open (waits for the shim's reader), write, CloseIO, close
              int w = dev.shim4j.sys.Fds.openFifo(fifo, dev.shim4j.sys.Fds.O_WRONLY, java.time.Duration.ofSeconds(20));
              try (var out = new dev.shim4j.sys.FdOutputStream(w)) {
                out.write(("line " + k + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (k % 3 != 1) {
                  io.closeStdin();
                }
              }
              return null;
            });
            if (k % 2 == 0) {
              Thread.sleep(k % 7); // the start comes a little later for some
            }
            io.childStarted();
            client.get(30, java.util.concurrent.TimeUnit.SECONDS);
            try (var r = new dev.shim4j.sys.FdInputStream(child)) {
              return new String(r.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
          }
        }));
      }
      for (int i = 0; i < n; i++) {
        assertThat(got.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("line " + i + "\n");
      }
    }
  }
}
