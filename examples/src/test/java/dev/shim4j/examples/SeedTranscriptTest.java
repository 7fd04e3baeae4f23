package dev.shim4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.examples.connect.ShimProtoConnect;
import dev.shim4j.examples.skeleton.SkeletonShim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed README's manual session, automated: {@code touch log}; skeleton {@code start} prints a
 * unix:// address; shim-proto-connect sends Connect (version "example") and Shutdown; the daemon
 * exits; the log shows the lifecycle.
 */
class SeedTranscriptTest {
  @TempDir Path dir;
  private String id;

  @AfterEach
  void killLeftovers() {
    if (id != null) {
      JavaProcesses.find(SkeletonShim.class.getName(), id).forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void manualSessionOfTheSeed() throws Exception {
    id = "transcript-" + UUID.randomUUID();
    Files.createFile(dir.resolve("log")); // $ touch log

    JavaProcesses.Result start = JavaProcesses.run(dir,
        Map.of("TTRPC_ADDRESS", "/var/run/containerd/containerd.sock.ttrpc"),
        SkeletonShim.class.getName(),
        "-namespace", "default", "-id", id, "-address", "/var/run/containerd/containerd.sock",
        "-publish-binary", "/usr/bin/containerd", "start");
    assertThat(start.status()).as(start.stderr()).isZero();
    assertThat(start.stderr()).isEmpty();
    String address = start.stdout();
    assertThat(address).matches("unix:///run/containerd/s/[0-9a-f]{64}");
    Path socket = Path.of(address.substring("unix://".length()));
    List<ProcessHandle> daemons = JavaProcesses.find(SkeletonShim.class.getName(), id);
    assertThat(daemons).as("one daemon serves the skeleton").hasSize(1);

    JavaProcesses.Result connect = JavaProcesses.run(dir, Map.of(), ShimProtoConnect.class.getName(), address);
    assertThat(connect.status()).as(connect.stderr()).isZero();
    assertThat(connect.stdout().lines()).containsExactly(
        "Connecting to " + address + "...",
        "Sending `Connect` request...",
        "Connect response: version: \"example\"",
        "Sending `Shutdown` request...",
        "Shutdown response: \"\"");

    long daemon = daemons.getFirst().pid();
    assertThat(JavaProcesses.eventually(Duration.ofSeconds(15),
        () -> ProcessHandle.of(daemon).map(h -> !h.isAlive()).orElse(true) || JavaProcesses.isZombie(daemon)))
        .as("the daemon exits after Shutdown").isTrue();
    assertThat(Files.exists(socket)).as("its socket is gone").isFalse();

    // $ cat log
    List<String> messages = Files.readAllLines(dir.resolve("log")).stream()
        .filter(l -> l.contains("level=info"))
        .map(l -> l.replaceAll(".*msg=\"([^\"]*)\".*", "$1"))
        .toList();
    assertThat(messages).containsSubsequence(
        "server listen started",
        "server started",
        "Shim successfully started, waiting for exit signal...",
        "Connect request",
        "Shutdown request",
        "Shutting down shim instance",
        "ttrpc server stopped");
  }
}
