package dev.shim4j.shim.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.events.TaskExit;
import dev.shim4j.testkit.PrivateContainerd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The publisher against a real containerd 1.6: events it forwards come out of `ctr events`. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContainerdPublisherTest {
  private PrivateContainerd containerd;
  private Publisher publisher;

  @BeforeEach
  void start() {
    containerd = PrivateContainerd.start();
    publisher = Publishers.create(containerd.ttrpcAddress().toString(), "/usr/bin/containerd",
        containerd.address().toString(), containerd.namespace());
  }

  @AfterEach
  void stop() {
    if (publisher != null) {
      publisher.close();
    }
    if (containerd != null) {
      containerd.close();
    }
  }

  /** `ctr events` output, line by line. */
  private List<String> follow(Process ctr) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(ctr.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException ignored) {
        // ctr killed
      }
    });
    return lines;
  }

  private static TaskExit exit(String id) {
    return TaskExit.newBuilder().setContainerId(id).setId(id).setPid(4242).setExitStatus(137).build();
  }

  /** ctr gives no sign of being subscribed: publish probes until one shows up. */
  private void awaitSubscribed(List<String> lines) throws InterruptedException {
    String probe = "probe-" + UUID.randomUUID();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      publisher.publish("/tasks/exit", exit(probe));
      Thread.sleep(300);
      if (lines.stream().anyMatch(l -> l.contains(probe))) {
        return;
      }
    }
    throw new AssertionError("ctr events never showed a probe: " + lines + "\n" + containerd.log());
  }

  private String awaitLine(List<String> lines, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (String l : lines) {
        if (l.contains(text)) {
          return l;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError(text + " not in ctr events: " + lines);
  }

  @Test
  void taskExitShowsUpInCtrEventsAndSurvivesAContainerdRestart() throws Exception {
    List<String> lines = follow(containerd.startCtr("events"));
    awaitSubscribed(lines);
    String id = "pub-" + UUID.randomUUID();
    publisher.publish("/tasks/exit", exit(id));
    String line = awaitLine(lines, id);
    assertThat(line).contains(" " + containerd.namespace() + " /tasks/exit {")
        .contains("\"container_id\":\"" + id + "\"").contains("\"pid\":4242").contains("\"exit_status\":137");

    // containerd restarts on the same socket: the publisher's connection broke; it must redial.
    containerd.restart();
    List<String> after = follow(containerd.startCtr("events"));
    awaitSubscribed(after);
    String id2 = "after-restart-" + UUID.randomUUID();
    publisher.publish("/tasks/exit", exit(id2));
    assertThat(awaitLine(after, id2)).contains("/tasks/exit");
    assertThat(((QueuedPublisher) publisher).drain(Duration.ofSeconds(10))).isTrue();
  }
}
