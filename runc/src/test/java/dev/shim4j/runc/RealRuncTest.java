package dev.shim4j.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against the real runc with a busybox bundle: cheap (no containerd, no image), and
 * proves the argv and the parsing match what runc really does.
 */
class RealRuncTest {
  @TempDir Path dir;
  Path bundle;
  Runc runc;
  String id;

  @BeforeEach
  void setUp() throws Exception {
    id = "s4j-runc-" + UUID.randomUUID().toString().substring(0, 8);
    bundle = dir.resolve("bundle");
    Path bin = bundle.resolve("rootfs/bin");
    Files.createDirectories(bin);
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String applet : List.of("sh", "sleep", "echo", "cat", "true")) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Process spec = new ProcessBuilder("runc", "spec", "--bundle", bundle.toString()).inheritIO().start();
    assertThat(spec.waitFor()).isZero();
    Path config = bundle.resolve("config.json");
    Map<String, Object> cfg = Json.parseObject(Files.readString(config));
    Map<String, Object> process = Json.object(cfg, "process");
    process.put("args", List.of("sleep", "300"));
    process.put("terminal", false);
    Json.object(cfg, "linux").put("cgroupsPath", "/" + id);
    Files.writeString(config, Json.write(cfg));
    runc =
        Runc.builder()
            .root(dir.resolve("root"))
            .log(dir.resolve("log.json"))
            .logFormat(Runc.LogFormat.JSON)
            .timeout(Duration.ofSeconds(30))
            .runner(new ProcessBuilderRunner())
            .build();
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      runc.delete(id, true);
    } catch (RuncException alreadyGone) {
      // the test deleted it
    }
  }

  @Test
  void lifecycleThroughRealRunc() throws Exception {
    Path pidFile = dir.resolve("init.pid");
    runc.create(id, bundle, CreateOptions.create().pidFile(pidFile));
    int pid = Runc.readPid(pidFile);
    RuncState created = runc.state(id);
    assertThat(created.status()).isEqualTo("created");
    assertThat(created.pid()).isEqualTo(pid);
    assertThat(created.bundle()).isEqualTo(bundle.toString());

    runc.start(id);
    assertThat(runc.state(id).status()).isEqualTo("running");
    assertThat(runc.ps(id)).contains(pid);

    runc.pause(id);
    assertThat(runc.state(id).status()).isEqualTo("paused");
    runc.resume(id);
    assertThat(runc.state(id).status()).isEqualTo("running");

    Path execPid = dir.resolve("e1.pid");
    String proc = "{\"args\":[\"sleep\",\"200\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0}}";
    runc.exec(id, proc.getBytes(StandardCharsets.UTF_8), ExecOptions.create().pidFile(execPid));
    int ePid = Runc.readPid(execPid);
    assertThat(runc.ps(id)).contains(pid, ePid);

    RuncStats stats = runc.stats(id);
    assertThat(stats.pids().current()).isGreaterThanOrEqualTo(2);
    assertThat(stats.memory().usage().usage()).isPositive();

    runc.update(id, "{\"pids\":{\"limit\":50}}".getBytes(StandardCharsets.UTF_8));
    assertThat(runc.stats(id).pids().limit()).isEqualTo(50);

    runc.kill(id, 9, true);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!runc.state(id).status().equals("stopped")) {
      assertThat(System.nanoTime()).as("container stops after kill --all").isLessThan(deadline);
      Thread.sleep(20);
    }
    runc.delete(id, false);
    assertThatThrownBy(() -> runc.state(id))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("does not exist")
        .satisfies(e -> assertThat(((RuncException) e).isNotFound()).isTrue());
  }

  @Test
  void badProcessGivesRuncsReason() throws Exception {
    Path config = bundle.resolve("config.json");
    Map<String, Object> cfg = Json.parseObject(Files.readString(config));
    Json.object(cfg, "process").put("args", List.of("/no/such/binary"));
    Files.writeString(config, Json.write(cfg));
    // runc 1.1 looks the binary up at create, and says so in its JSON log
    assertThatThrownBy(() -> runc.create(id, bundle, CreateOptions.create().pidFile(dir.resolve("init.pid"))))
        .isInstanceOf(RuncException.class)
        .hasMessageContaining("runc create failed (exit status 1)")
        .hasMessageContaining("no such file or directory")
        .hasMessageContaining("/no/such/binary");
  }

  @Test
  void killingAMissingContainerIsNotFound() {
    assertThatThrownBy(() -> runc.kill("s4j-none-" + id, 15, false))
        .isInstanceOf(RuncException.class)
        .satisfies(e -> assertThat(((RuncException) e).isNotFound()).isTrue());
  }

  /**
   * criu through runc. Where criu works, the checkpoint leaves images and restore brings the
   * container back; where it cannot (criu 3.17 on kernels that split the vDSO data pages into
   * [vvar] and [vvar_vclock], as this project's CI VM does), runc's error must point at criu's
   * dump.log, which must exist and name the cause.
   */
  @Test
  void checkpointAndRestoreOrActionableCriuError() throws Exception {
    runc.create(id, bundle, CreateOptions.create().pidFile(dir.resolve("init.pid")));
    runc.start(id);
    Path images = dir.resolve("images");
    Path work = dir.resolve("work");
    Files.createDirectories(images);
    Files.createDirectories(work);
    CheckpointOptions ck = CheckpointOptions.create().imagePath(images).workPath(work);
    try {
      runc.checkpoint(id, ck);
    } catch (RuncException e) {
      assertThat(e.getMessage()).contains("criu failed").contains(work.resolve("dump.log").toString());
      assertThat(Files.readString(work.resolve("dump.log"))).contains("Error");
      return;
    }
    try (var files = Files.list(images)) {
      assertThat(files.count()).isPositive();
    }
    runc.delete(id, true);
    runc.restore(id, bundle, CreateOptions.create().pidFile(dir.resolve("restored.pid")), ck);
    assertThat(runc.state(id).status()).isEqualTo("running");
  }
}
