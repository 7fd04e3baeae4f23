package dev.shim4j.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** argv construction and output parsing against a scripted runc that records its arguments. */
class FakeRuncTest {
  @TempDir Path dir;
  Path fake;
  Runc runc;

  @BeforeEach
  void setUp() throws IOException {
    fake = dir.resolve("runc");
    try (InputStream in = FakeRuncTest.class.getResourceAsStream("/fake-runc.sh")) {
      Files.write(fake, in.readAllBytes());
    }
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    runc = builder().build();
  }

  private Runc.Builder builder() {
    return Runc.builder()
        .binary(fake.toString())
        .root(Path.of("/run/r/ns1"))
        .log(dir.resolve("log.json"))
        .logFormat(Runc.LogFormat.JSON)
        .runner(new ProcessBuilderRunner())
        .env(Map.of("PATH", System.getenv("PATH"), "FAKE_DIR", dir.toString()));
  }

  /** Each call's argv as recorded by the script. */
  private List<List<String>> calls() throws IOException {
    List<List<String>> calls = new ArrayList<>();
    List<String> cur = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("calls"))) {
      if (l.equals("--end--")) {
        calls.add(cur);
        cur = new ArrayList<>();
      } else {
        cur.add(l);
      }
    }
    return calls;
  }

  private List<String> lastCall() throws IOException {
    List<List<String>> c = calls();
    return c.get(c.size() - 1);
  }

  private List<String> global() {
    return List.of("--root", "/run/r/ns1", "--log", dir.resolve("log.json").toString(), "--log-format", "json");
  }

  private List<String> expect(String... rest) {
    List<String> l = new ArrayList<>(global());
    l.addAll(List.of(rest));
    return l;
  }

  private void failNext(String sub, String message) throws IOException {
    Files.writeString(dir.resolve("fail"), sub + "\n" + message + "\n");
  }

  @Test
  void globalOptionsIncludeSystemdAndCriu() throws Exception {
    Runc r = builder().systemdCgroup(true).criu(Path.of("/usr/sbin/criu")).build();
    r.start("c1");
    List<String> want = new ArrayList<>(global());
    want.addAll(List.of("--systemd-cgroup", "--criu", "/usr/sbin/criu", "start", "c1"));
    assertThat(lastCall()).isEqualTo(want);
  }

  @Test
  void createPassesBundlePidFileConsoleSocketAndFlags() throws Exception {
    Path pid = dir.resolve("init.pid");
    runc.create(
        "c1",
        Path.of("/b/c1"),
        CreateOptions.create().pidFile(pid).consoleSocket(Path.of("/tmp/cs.sock")).noPivot(true).noNewKeyring(true));
    assertThat(lastCall())
        .isEqualTo(expect("create", "--bundle", "/b/c1", "--pid-file", pid.toString(), "--console-socket", "/tmp/cs.sock", "--no-pivot", "--no-new-keyring", "c1"));
    assertThat(Runc.readPid(pid)).isEqualTo(4242);
  }

  @Test
  void createWithoutOptionsIsMinimal() throws Exception {
    runc.create("c1", Path.of("/b/c1"), CreateOptions.create());
    assertThat(lastCall()).isEqualTo(expect("create", "--bundle", "/b/c1", "c1"));
  }

  @Test
  void createFailureCarriesRuncsLogError() throws Exception {
    failNext("create", "container_linux.go:380: starting container process caused: exec: \\\"nope\\\": executable file not found in $PATH");
    assertThatThrownBy(() -> runc.create("c1", Path.of("/b/c1"), CreateOptions.create()))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("runc create failed (exit status 1)")
        .hasMessageContaining("executable file not found in $PATH")
        .satisfies(e -> assertThat(((RuncException) e).status()).isEqualTo(1));
  }

  @Test
  void errorIsTheNewestOneNotAStaleOne() throws Exception {
    Files.writeString(dir.resolve("log.json"), "{\"level\":\"error\",\"msg\":\"old failure\",\"time\":\"x\"}\n");
    failNext("kill", "container not running");
    assertThatThrownBy(() -> runc.kill("c1", 9, false))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("container not running")
        .hasMessageNotContaining("old failure")
        .satisfies(e -> assertThat(((RuncException) e).isNotFound()).isTrue());
  }

  @Test
  void withoutLogFileStderrIsTheMessage() throws Exception {
    Runc r = builder().log(null).logFormat(null).build();
    failNext("delete", "container does not exist");
    assertThatThrownBy(() -> r.delete("c9", true))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("runc delete failed")
        .hasMessageContaining("container does not exist");
  }

  @Test
  void execWritesProcessJsonAndPassesDetachAndPidFile() throws Exception {
    Path pid = dir.resolve("e1.pid");
    byte[] process = "{\"args\":[\"sh\",\"-c\",\"echo hi\"],\"cwd\":\"/\"}".getBytes(StandardCharsets.UTF_8);
    runc.exec("c1", process, ExecOptions.create().pidFile(pid));
    List<String> call = lastCall();
    int p = call.indexOf("--process");
    assertThat(p).isPositive();
    assertThat(call.subList(0, p)).isEqualTo(expect("exec"));
    assertThat(call.subList(p + 2, call.size())).containsExactly("--detach", "--pid-file", pid.toString(), "c1");
    assertThat(Files.readAllBytes(dir.resolve("process.json"))).isEqualTo(process);
    assertThat(Path.of(call.get(p + 1))).as("temp process file removed").doesNotExist();
  }

  @Test
  void execWithTerminalPassesConsoleSocket() throws Exception {
    runc.exec("c1", "{}".getBytes(StandardCharsets.UTF_8), ExecOptions.create().consoleSocket(Path.of("/tmp/x.sock")));
    assertThat(lastCall()).containsSubsequence("--console-socket", "/tmp/x.sock", "c1");
  }

  @Test
  void killPassesSignalNumberAndAll() throws Exception {
    runc.kill("c1", 15, false);
    assertThat(lastCall()).isEqualTo(expect("kill", "c1", "15"));
    runc.kill("c1", 9, true);
    assertThat(lastCall()).isEqualTo(expect("kill", "--all", "c1", "9"));
  }

  @Test
  void deleteStartPauseResume() throws Exception {
    runc.delete("c1", true);
    assertThat(lastCall()).isEqualTo(expect("delete", "--force", "c1"));
    runc.delete("c1", false);
    assertThat(lastCall()).isEqualTo(expect("delete", "c1"));
    runc.pause("c1");
    assertThat(lastCall()).isEqualTo(expect("pause", "c1"));
    runc.resume("c1");
    assertThat(lastCall()).isEqualTo(expect("resume", "c1"));
  }

  @Test
  void stateIsParsed() throws Exception {
    RuncState s = runc.state("c1");
    assertThat(lastCall()).isEqualTo(expect("state", "c1"));
    assertThat(s.id()).isEqualTo("c1");
    assertThat(s.pid()).isEqualTo(16864);
    assertThat(s.status()).isEqualTo("running");
    assertThat(s.bundle()).isEqualTo("/b/c1");
    assertThat(s.rootfs()).isEqualTo("/b/c1/rootfs");
    assertThat(s.created()).isEqualTo(Instant.parse("2026-11-29T16:08:04.480160198Z"));
    assertThat(s.annotations()).containsEntry("a", "b");
  }

  @Test
  void psIsParsedIncludingNull() throws Exception {
    assertThat(runc.ps("c1")).containsExactly(16864, 17001);
    assertThat(lastCall()).isEqualTo(expect("ps", "--format", "json", "c1"));
    Files.writeString(dir.resolve("ps"), "null\n");
    assertThat(runc.ps("c1")).isEmpty();
  }

  @Test
  void psGarbageIsAnActionableError() throws Exception {
    Files.writeString(dir.resolve("ps"), "USER PID\n");
    assertThatThrownBy(() -> runc.ps("c1"))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("runc ps")
        .hasMessageContaining("unreadable output");
  }

  @Test
  void updateSendsResourcesOnStdin() throws Exception {
    String res = "{\"memory\":{\"limit\":104857600},\"cpu\":{\"shares\":512}}";
    runc.update("c1", res.getBytes(StandardCharsets.UTF_8));
    assertThat(lastCall()).isEqualTo(expect("update", "--resources", "-", "c1"));
    assertThat(Files.readString(dir.resolve("stdin"))).isEqualTo(res);
  }

  @Test
  void statsAreParsed() throws Exception {
    RuncStats s = runc.stats("c1");
    assertThat(lastCall()).isEqualTo(expect("events", "--stats", "c1"));
    assertThat(s.cpu().total()).isEqualTo(33454193L);
    assertThat(s.cpu().perCpu()).containsExactly(27743517L, 5710676L);
    assertThat(s.cpu().kernel()).isEqualTo(20000000L);
    assertThat(s.cpu().user()).isEqualTo(10L);
    assertThat(s.cpu().throttlingPeriods()).isEqualTo(3);
    assertThat(s.cpu().throttledPeriods()).isEqualTo(2);
    assertThat(s.cpu().throttledTime()).isEqualTo(1);
    assertThat(s.memory().cache()).isEqualTo(7);
    assertThat(s.memory().usage()).isEqualTo(new RuncStats.MemoryEntry(9223372036854771712L, 565248, 2244608, 1));
    assertThat(s.memory().swap()).isEqualTo(new RuncStats.MemoryEntry(1, 2, 3, 4));
    assertThat(s.memory().kernel().usage()).isEqualTo(270336);
    assertThat(s.memory().raw()).containsEntry("rss", 53248L);
    // a uint64 above Long.MAX_VALUE keeps its bits (-1 == 2^64-1 unsigned)
    assertThat(Long.toUnsignedString(s.memory().raw().get("hierarchical_memory_limit"))).isEqualTo("18446744073709551615");
    assertThat(s.pids()).isEqualTo(new RuncStats.Pids(2, 100));
    assertThat(s.data()).containsKeys("blkio", "hugetlb");
  }

  @Test
  void checkpointArgs() throws Exception {
    runc.checkpoint(
        "c1",
        CheckpointOptions.create()
            .imagePath(Path.of("/ck/img"))
            .workPath(Path.of("/ck/work"))
            .parentPath(Path.of("/ck/parent"))
            .leaveRunning(true)
            .tcpEstablished(true)
            .externalUnixSockets(true)
            .shellJob(true)
            .fileLocks(true)
            .manageCgroupsMode("soft")
            .emptyNamespace("network"));
    assertThat(lastCall())
        .isEqualTo(expect("checkpoint", "--image-path", "/ck/img", "--work-path", "/ck/work", "--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks", "--manage-cgroups-mode", "soft", "--empty-ns", "network", "--parent-path", "/ck/parent", "--leave-running", "c1"));
  }

  @Test
  void restoreArgs() throws Exception {
    Path pid = dir.resolve("init.pid");
    runc.restore(
        "c1",
        Path.of("/b/c1"),
        CreateOptions.create().pidFile(pid).noPivot(true),
        CheckpointOptions.create().imagePath(Path.of("/ck/img")).workPath(Path.of("/ck/work")).tcpEstablished(true));
    assertThat(lastCall())
        .isEqualTo(expect("restore", "--detach", "--bundle", "/b/c1", "--pid-file", pid.toString(), "--no-pivot", "--image-path", "/ck/img", "--work-path", "/ck/work", "--tcp-established", "c1"));
    assertThat(Runc.readPid(pid)).isEqualTo(4242);
  }

  @Test
  void checkpointFailureExplainsCriu() throws Exception {
    failNext("checkpoint", "criu failed: type NOTIFY errno 0\\nlog file: /ck/work/dump.log");
    assertThatThrownBy(() -> runc.checkpoint("c1", CheckpointOptions.create().imagePath(Path.of("/ck/img"))))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("runc checkpoint failed")
        .hasMessageContaining("dump.log");
  }

  @Test
  void version() throws Exception {
    assertThat(runc.version()).isEqualTo("runc version 9.9.9");
  }

  @Test
  void missingBinaryIsAnError() {
    Runc r = builder().binary(dir.resolve("no-such-runc").toString()).build();
    assertThatThrownBy(() -> r.start("c1")).isInstanceOf(IOException.class);
  }

  @Test
  void readPidRejectsGarbageAndTimesOutOnMissing() throws Exception {
    Path p = dir.resolve("x.pid");
    Files.writeString(p, "abc");
    assertThatThrownBy(() -> Runc.readPid(p)).isInstanceOf(IOException.class).hasMessageContaining("abc");
    assertThatThrownBy(() -> Runc.readPid(dir.resolve("missing.pid"))).isInstanceOf(IOException.class).hasMessageContaining("missing");
  }
}
