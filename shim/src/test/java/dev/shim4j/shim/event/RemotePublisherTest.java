package dev.shim4j.shim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.PeerPolicy;
import dev.shim4j.ttrpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemotePublisherTest {
  private static final PublisherSettings FAST = PublisherSettings.DEFAULT
      .withCallTimeout(Duration.ofSeconds(2))
      .withRetries(5, Duration.ofMillis(10), Duration.ofMillis(100));

  @TempDir Path dir;
  private Path socket;
  private FakeEventsService fake;
  private Server server;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @BeforeEach
  void startFakeContainerd() throws Exception {
    socket = dir.resolve("ttrpc.sock");
    fake = new FakeEventsService();
    server = serve(fake);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : cleanup.reversed()) {
      c.close();
    }
    server.close();
  }

  private Server serve(FakeEventsService service) throws Exception {
    Files.deleteIfExists(socket);
    return Server.builder().register(EventsTtrpc.bind(service)).peerPolicy(PeerPolicy.SAME_USER).build()
        .bind(socket);
  }

  private QueuedPublisher publisher(PublisherSettings settings) {
    QueuedPublisher p = Publishers.remote("unix://" + socket, "ns1", settings);
    cleanup.add(p);
    return p;
  }

  private static TaskExit exit(int i) {
    return TaskExit.newBuilder().setContainerId("c1").setId("e" + i).setPid(100 + i).setExitStatus(i % 256).build();
  }

  private static List<String> expectedIds(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "e" + i).toList();
  }

  @Test
  void envelopeCarriesWhatContainerdRequires() throws Exception {
    QueuedPublisher p = publisher(FAST);
    Instant before = Instant.now();
    p.publish("/tasks/exit", exit(1));
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    Envelope e = fake.received().getFirst();
    assertThat(e.getNamespace()).isEqualTo("ns1");
    assertThat(e.getTopic()).isEqualTo("/tasks/exit");
    assertThat(e.getEvent().getTypeUrl()).isEqualTo("containerd.events.TaskExit");
    assertThat(TaskExit.parseFrom(e.getEvent().getValue())).isEqualTo(exit(1));
    Instant stamped = Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
    assertThat(stamped).isBetween(before.minusMillis(1), Instant.now());
    assertThat(fake.namespaceHeaders).containsExactly("ns1");
  }

  @Test
  void anInterruptedPublisherStillQueuesItsEvent() throws Exception {
    QueuedPublisher p = publisher(FAST);
    Thread.currentThread().interrupt();
    try {
      p.publish("/tasks/exit", exit(7));
      assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt is kept").isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(fake.ids()).containsExactly("e7");
    assertThat(p.dropped()).isZero();
  }

  @Test
  void thousandEventsArriveInPublishOrder() throws Exception {
    QueuedPublisher p = publisher(FAST);
    for (int i = 0; i < 1000; i++) {
      p.publish("/tasks/exit", exit(i));
    }
    assertThat(p.drain(Duration.ofSeconds(30))).isTrue();
    assertThat(fake.ids()).containsExactlyElementsOf(expectedIds(0, 1000));
    assertThat(p.delivered()).isEqualTo(1000);
    assertThat(p.dropped()).isZero();
  }

  @Test
  void failedCallsAreRetriedWithoutReordering() throws Exception {
    fake.failNext.set(3);
    QueuedPublisher p = publisher(FAST);
    for (int i = 0; i < 10; i++) {
      p.publish("/tasks/exit", exit(i));
    }
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(fake.ids()).containsExactlyElementsOf(expectedIds(0, 10));
    assertThat(fake.calls.get()).isEqualTo(13);
    assertThat(p.dropped()).isZero();
  }

  @Test
  void eventIsDroppedAfterTheLastRetryAndTheNextOneStillGoes() throws Exception {
    fake.failNext.set(3); // first event: 1 try + 2 retries, all fail
    QueuedPublisher p = publisher(FAST.withRetries(2, Duration.ofMillis(5), Duration.ofMillis(5)));
    p.publish("/tasks/exit", exit(0));
    p.publish("/tasks/exit", exit(1));
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(fake.ids()).containsExactly("e1");
    assertThat(p.dropped()).isEqualTo(1);
  }

  @Test
  void refusedEventIsNotRetried() throws Exception {
    fake.failCode = Code.INVALID_ARGUMENT;
    fake.failNext.set(1);
    QueuedPublisher p = publisher(FAST);
    p.publish("/tasks/exit", exit(0));
    p.publish("/tasks/exit", exit(1));
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(fake.calls.get()).isEqualTo(2);
    assertThat(fake.ids()).containsExactly("e1");
    assertThat(p.dropped()).isEqualTo(1);
  }

  @Test
  void redialsWhenContainerdRestartsOnTheSameSocket() throws Exception {
    QueuedPublisher p = publisher(FAST.withRetries(10, Duration.ofMillis(50), Duration.ofMillis(200)));
    p.publish("/tasks/exit", exit(0));
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    server.close();
    FakeEventsService restarted = new FakeEventsService();
    p.publish("/tasks/exit", exit(1)); // fails while nobody listens, retried
    Thread.sleep(100);
    server = serve(restarted);
    p.publish("/tasks/exit", exit(2));
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(fake.ids()).containsExactly("e0");
    assertThat(restarted.ids()).containsExactly("e1", "e2");
    assertThat(p.dropped()).isZero();
  }

  @Test
  void fullQueueDropsAfterABriefWaitInsteadOfBlocking() throws Exception {
    fake.gate = new CountDownLatch(1);
    QueuedPublisher p = publisher(FAST.withQueueCapacity(4).withEnqueueWait(Duration.ofMillis(50))
        .withCallTimeout(Duration.ofSeconds(20)));
    p.publish("/tasks/exit", exit(0)); // taken by the sender, hangs in the fake
    assertThat(fake.firstCall.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i <= 4; i++) {
      p.publish("/tasks/exit", exit(i)); // fills the queue
    }
    long start = System.nanoTime();
    p.publish("/tasks/exit", exit(5));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15)); // far below the 20 s hang it would be
    assertThat(p.dropped()).isEqualTo(1);
    fake.gate.countDown();
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(fake.ids()).containsExactlyElementsOf(expectedIds(0, 5));
  }

  @Test
  void closeSendsWhatIsQueued() throws Exception {
    fake.gate = new CountDownLatch(1);
    QueuedPublisher p = publisher(FAST);
    for (int i = 0; i < 20; i++) {
      p.publish("/tasks/exit", exit(i));
    }
    Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException ignored) {
        // test thread
      }
      fake.gate.countDown();
    });
    p.close();
    assertThat(fake.ids()).containsExactlyElementsOf(expectedIds(0, 20));
    p.publish("/tasks/exit", exit(99)); // after close: dropped, not thrown
    assertThat(p.dropped()).isEqualTo(1);
  }

  @Test
  void closeGivesUpAtItsDeadline() throws Exception {
    fake.gate = new CountDownLatch(1);
    QueuedPublisher p = publisher(FAST.withCloseDeadline(Duration.ofMillis(300))
        .withCallTimeout(Duration.ofSeconds(20)));
    for (int i = 0; i < 5; i++) {
      p.publish("/tasks/exit", exit(i));
    }
    long start = System.nanoTime();
    p.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15)); // far below the 20 s hang it would be
    assertThat(p.dropped()).isGreaterThanOrEqualTo(4);
    fake.gate.countDown();
  }

  @Test
  void publishingWithoutAnyServerNeverBlocksTheCaller() throws Exception {
    server.close();
    Files.deleteIfExists(socket);
    QueuedPublisher p = publisher(FAST.withRetries(1, Duration.ofMillis(5), Duration.ofMillis(5)));
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      p.publish("/tasks/exit", exit(i));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(p.drain(Duration.ofSeconds(10))).isTrue();
    assertThat(p.dropped()).isEqualTo(10);
  }

  @Test
  void topicMustStartWithSlash() {
    QueuedPublisher p = publisher(FAST);
    assertThatThrownBy(() -> p.publish("tasks/exit", exit(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'/'");
  }

  @Test
  void createPicksTtrpcWhenAnAddressIsGiven() throws Exception {
    try (Publisher p = Publishers.create("unix://" + socket, "/usr/bin/containerd", "/run/c.sock", "ns2")) {
      assertThat(p).isInstanceOf(QueuedPublisher.class);
      p.publish("/tasks/oom", dev.shim4j.api.events.TaskOOM.newBuilder().setContainerId("c9").build());
      assertThat(((QueuedPublisher) p).drain(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(fake.received().getFirst().getEvent().getTypeUrl()).isEqualTo("containerd.events.TaskOOM");
    assertThat(fake.received().getFirst().getNamespace()).isEqualTo("ns2");
  }
}
