package dev.shim4j.shim.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskStart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The publish-binary path with a stand-in for containerd's binary that records its calls. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BinaryPublisherTest {
  @TempDir Path dir;

  /** Appends its arguments to calls.txt and saves stdin as event-N; fails while fail-count > 0. */
  private Path fakeBinary() throws Exception {
    Path script = dir.resolve("containerd");
    Files.writeString(script, """
        #!/bin/sh
        d=$(dirname "$0")
        if [ -s "$d/fail-count" ]; then
          n=$(cat "$d/fail-count")
          if [ "$n" -gt 0 ]; then echo $((n-1)) > "$d/fail-count"; echo "containerd not ready" >&2; exit 1; fi
        fi
        echo "$@" >> "$d/calls.txt"
        n=$(wc -l < "$d/calls.txt")
        cat > "$d/event-$((n))"
        """);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void eachEventRunsThePublishCommandWithTheAnyOnStdin() throws Exception {
    Path binary = fakeBinary();
    try (Publisher p = Publishers.create("", binary.toString(), "/run/containerd/containerd.sock", "ns1")) {
      assertThat(p).isInstanceOf(QueuedPublisher.class);
      p.publish("/tasks/start", TaskStart.newBuilder().setContainerId("c1").setPid(7).build());
      p.publish("/tasks/exit", TaskExit.newBuilder().setContainerId("c1").setExitStatus(3).build());
      assertThat(((QueuedPublisher) p).drain(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(Files.readAllLines(dir.resolve("calls.txt"))).containsExactly(
        "--address /run/containerd/containerd.sock publish --topic /tasks/start --namespace ns1",
        "--address /run/containerd/containerd.sock publish --topic /tasks/exit --namespace ns1");
    com.google.protobuf.Any first = com.google.protobuf.Any.parseFrom(Files.readAllBytes(dir.resolve("event-1")));
    assertThat(first.getTypeUrl()).isEqualTo("containerd.events.TaskStart");
    assertThat(TaskStart.parseFrom(first.getValue()).getPid()).isEqualTo(7);
    com.google.protobuf.Any second = com.google.protobuf.Any.parseFrom(Files.readAllBytes(dir.resolve("event-2")));
    assertThat(TaskExit.parseFrom(second.getValue()).getExitStatus()).isEqualTo(3);
  }

  @Test
  void failingRunsAreRetried() throws Exception {
    Path binary = fakeBinary();
    Files.writeString(dir.resolve("fail-count"), "2");
    QueuedPublisher p = Publishers.binary(binary.toString(), "/c.sock", "ns1",
        PublisherSettings.DEFAULT.withRetries(5, Duration.ofMillis(10), Duration.ofMillis(50)));
    try (p) {
      p.publish("/tasks/exit", TaskExit.newBuilder().setContainerId("c1").build());
      assertThat(p.drain(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(Files.readAllLines(dir.resolve("calls.txt"))).hasSize(1);
    assertThat(p.delivered()).isEqualTo(1);
    assertThat(p.dropped()).isZero();
  }

  @Test
  void withNeitherAddressNorBinaryEventsAreDiscarded() {
    try (Publisher p = Publishers.create(null, "", "", "ns")) {
      p.publish("/tasks/exit", TaskExit.getDefaultInstance());
      assertThat(p).isNotInstanceOf(QueuedPublisher.class);
    }
  }
}
