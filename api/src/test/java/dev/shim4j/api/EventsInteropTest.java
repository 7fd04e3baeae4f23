package dev.shim4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.api.services.events.v1.ForwardRequest;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.TtrpcException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 2's interop proof: a Java ttrpc client publishes events through a real containerd's
 * {@code containerd.services.events.ttrpc.v1.Events/Forward}, and {@code ctr events} (containerd's
 * own gRPC event stream) shows them decoded. That only works when the framing, the Envelope, the
 * Timestamp and the Any with its bare type_url are all right on the wire.
 */
class EventsInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** 2023-11-14T22:13:20.000000123Z: nanos show that the Timestamp crossed intact. */
  private static final Timestamp EXITED_AT =
      Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123).build();
  /** Go prints it as "2023-11-14 22:13:20.5 +0000 UTC" in ctr's line. */
  private static final Timestamp PUBLISHED_AT =
      Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(500_000_000).build();

  private static PrivateContainerd containerd;
  private Client connection;
  private EventsTtrpc.Client events;
  private Process ctrEvents;
  private OutputLines ctrOut;
  private OutputLines ctrErr;

  @BeforeAll
  static void startContainerd() {
    containerd = PrivateContainerd.start();
  }

  @AfterAll
  static void stopContainerd() {
    if (containerd != null) {
      containerd.close();
    }
  }

  @BeforeEach
  void subscribe() throws Exception {
    connection = Client.connect(containerd.ttrpcAddress());
    events = new EventsTtrpc.Client(connection);
    ctrEvents = containerd.startCtr("events");
    ctrOut = OutputLines.follow(ctrEvents.getInputStream());
    ctrErr = OutputLines.follow(ctrEvents.getErrorStream());
    awaitSubscribed();
  }

  @AfterEach
  void unsubscribe() throws Exception {
    ctrEvents.destroyForcibly().waitFor();
    connection.close();
  }

  /**
   * ctr gives no sign when its subscription is in place, so publish probes until one comes back;
   * every event published after that reaches it.
   */
  private void awaitSubscribed() throws Exception {
    String probe = "probe-" + UUID.randomUUID();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      forward(envelope("/tasks/exit", Anys.pack(exit(probe, 1))));
      if (ctrOut.await(l -> l.contains(probe), Duration.ofMillis(300)).isPresent()) {
        return;
      }
    }
    throw new AssertionError("ctr events never showed a probe; stdout " + ctrOut.snapshot()
        + " stderr " + ctrErr.snapshot() + "\n" + containerd.log());
  }

  private static TaskExit exit(String containerId, int pid) {
    return TaskExit.newBuilder().setContainerId(containerId).setId(containerId + "-exec")
        .setPid(pid).setExitStatus(137).setExitedAt(EXITED_AT).build();
  }

  private static Envelope.Builder envelope(String topic, Any event) {
    return Envelope.newBuilder().setTimestamp(PUBLISHED_AT).setNamespace(containerd.namespace())
        .setTopic(topic).setEvent(event);
  }

  private void forward(Envelope.Builder envelope) {
    events.forward(ForwardRequest.newBuilder().setEnvelope(envelope).build(),
        CallOptions.timeout(Duration.ofSeconds(5))
            .withMetadata("containerd-namespace-ttrpc", containerd.namespace()));
  }

  private Optional<String> lineWith(String text) throws InterruptedException {
    return ctrOut.await(l -> l.contains(text), WAIT);
  }

  @Test
  void aForwardedTaskExitShowsUpInCtrEvents() throws Exception {
    String id = "interop-" + UUID.randomUUID();
    forward(envelope("/tasks/exit", Anys.pack(exit(id, 4242))));

    String line = lineWith(id).orElseThrow(() -> new AssertionError(
        "TaskExit not seen; stdout " + ctrOut.snapshot() + " stderr " + ctrErr.snapshot()));
    // ctr prints: <envelope timestamp> <namespace> <topic> <event as JSON>
    assertThat(line)
        .startsWith("2023-11-14 22:13:20.5 +0000 UTC " + containerd.namespace() + " /tasks/exit {")
        .contains("\"container_id\":\"" + id + "\"")
        .contains("\"id\":\"" + id + "-exec\"")
        .contains("\"pid\":4242")
        .contains("\"exit_status\":137")
        .contains("\"exited_at\":\"2023-11-14T22:13:20.000000123Z\"");
  }

  @Test
  void aTopicWithoutLeadingSlashIsRejected() throws Exception {
    TtrpcException e = catchThrowableOfType(TtrpcException.class,
        () -> forward(envelope("tasks/exit", Anys.pack(exit("no-slash", 1)))));
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("must start with '/'");
  }

  @Test
  void anEnvelopeWithoutTimestampIsRejected() throws Exception {
    TtrpcException e = catchThrowableOfType(TtrpcException.class,
        () -> forward(envelope("/tasks/exit", Anys.pack(exit("no-time", 1))).clearTimestamp()));
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("timestamp must be set");
  }

  @Test
  void anInvalidNamespaceIsRejected() throws Exception {
    TtrpcException e = catchThrowableOfType(TtrpcException.class,
        () -> forward(envelope("/tasks/exit", Anys.pack(exit("bad-ns", 1))).setNamespace("")));
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("invalid namespace");
  }

  /**
   * containerd 1.6 does not check the type_url when forwarding: the event is accepted and
   * broadcast, but its subscribers cannot decode a "type.googleapis.com/" URL, so ctr drops it
   * with a warning. That is why events must be packed with Anys.pack.
   */
  @Test
  void aPrefixedTypeUrlIsAcceptedButUndecodableForSubscribers() throws Exception {
    String prefixed = "prefixed-" + UUID.randomUUID();
    forward(envelope("/tasks/exit", Any.pack(exit(prefixed, 1))));
    // Events reach a subscriber in order: once the marker is there, the prefixed one was handled.
    String marker = "marker-" + UUID.randomUUID();
    forward(envelope("/tasks/exit", Anys.pack(exit(marker, 2))));
    assertThat(lineWith(marker)).isPresent();

    assertThat(ctrOut.snapshot()).noneMatch(l -> l.contains(prefixed));
    assertThat(ctrErr.await(l -> l.contains("cannot unmarshal an event from Any"), WAIT))
        .as("ctr's warning, stderr " + ctrErr.snapshot())
        .hasValueSatisfying(l -> assertThat(l)
            .contains("type with url type.googleapis.com/containerd.events.TaskExit: not found"));
  }
}
