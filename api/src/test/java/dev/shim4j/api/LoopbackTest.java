package dev.shim4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.sandbox.v1.SandboxTtrpc;
import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.api.services.events.v1.ForwardRequest;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.CreateTaskResponse;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.StateResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.types.Mount;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.MethodDescriptor;
import dev.shim4j.ttrpc.Server;
import dev.shim4j.ttrpc.TtrpcException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated services and clients over a real ttrpc connection on a Unix socket. */
class LoopbackTest {
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private Client serve(Server.Builder builder) throws Exception {
    Path socket = dir.resolve("s" + open.size() + ".sock");
    open.add(builder.build().bind(socket));
    Client client = Client.connect(socket);
    open.add(client);
    return client;
  }

  /** Every METHOD_ constant of a generated class. */
  private static List<MethodDescriptor<?, ?>> descriptors(Class<?> generated) throws Exception {
    List<MethodDescriptor<?, ?>> all = new ArrayList<>();
    for (Field f : generated.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("METHOD_")) {
        all.add((MethodDescriptor<?, ?>) f.get(null));
      }
    }
    return all;
  }

  @SuppressWarnings("unchecked")
  private static void assertUnimplemented(Client client, MethodDescriptor<?, ?> method) throws Exception {
    MethodDescriptor<Object, Object> m = (MethodDescriptor<Object, Object>) method;
    Object request = m.requestMarshaller().decode(new byte[0]);
    TtrpcException e = catchThrowableOfType(TtrpcException.class,
        () -> client.call(m, request, CallOptions.timeout(Duration.ofSeconds(10))));
    assertThat(e).as(m.fullName()).isNotNull();
    assertThat(e.code()).as(m.fullName()).isEqualTo(Code.UNIMPLEMENTED);
    assertThat(e.getMessage()).contains(m.fullName() + " is not implemented");
  }

  @Test
  void everyGeneratedDefaultAnswersUnimplementedOverTheWire() throws Exception {
    Client client = serve(Server.builder()
        .register(TaskTtrpc.bind(new TaskTtrpc.Service() {}))
        .register(dev.shim4j.api.task.v3.TaskTtrpc.bind(new dev.shim4j.api.task.v3.TaskTtrpc.Service() {}))
        .register(EventsTtrpc.bind(new EventsTtrpc.Service() {}))
        .register(SandboxTtrpc.bind(new SandboxTtrpc.Service() {})));
    int count = 0;
    for (Class<?> generated : List.of(TaskTtrpc.class, dev.shim4j.api.task.v3.TaskTtrpc.class,
        EventsTtrpc.class, SandboxTtrpc.class)) {
      for (MethodDescriptor<?, ?> m : descriptors(generated)) {
        assertUnimplemented(client, m);
        count++;
      }
    }
    assertThat(count).isEqualTo(17 + 17 + 1 + 9);
  }

  @Test
  void typedClientRoundTripsMessages() throws Exception {
    Timestamp exitedAt = Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123).build();
    TaskTtrpc.Service impl = new TaskTtrpc.Service() {
      @Override
      public CreateTaskResponse create(CallContext ctx, CreateTaskRequest request) {
        // Echo what arrived in the pid so the test can see the request crossed intact.
        int pid = request.getRootfsCount() * 1000 + request.getRootfs(0).getOptionsCount();
        assertThat(Anys.is(request.getOptions(), dev.shim4j.api.runc.options.Options.class)).isTrue();
        return CreateTaskResponse.newBuilder().setPid(pid).build();
      }

      @Override
      public StateResponse state(CallContext ctx, StateRequest request) {
        return StateResponse.newBuilder().setId(request.getId()).setExecId(request.getExecId())
            .setStatus(Status.STOPPED).setExitStatus(137).setExitedAt(exitedAt).build();
      }

      @Override
      public ConnectResponse connect(CallContext ctx, ConnectRequest request) {
        return ConnectResponse.newBuilder().setShimPid(11).setTaskPid(22).setVersion(ctx.service()).build();
      }
    };
    Client connection = serve(Server.builder()
        .register(TaskTtrpc.bind(impl))
        .register(TaskTtrpc.bind(impl, dev.shim4j.api.task.v3.TaskTtrpc.SERVICE_NAME)));
    TaskTtrpc.Client v2 = new TaskTtrpc.Client(connection);

    CreateTaskResponse created = v2.create(CreateTaskRequest.newBuilder().setId("c1")
        .addRootfs(Mount.newBuilder().setType("overlay").setSource("overlay")
            .addOptions("lowerdir=/a").addOptions("upperdir=/b").addOptions("workdir=/c"))
        .setOptions(Anys.pack(dev.shim4j.api.runc.options.Options.newBuilder()
            .setBinaryName("runc").setTaskApiVersion(3).build()))
        .build());
    assertThat(created.getPid()).isEqualTo(1003);

    StateResponse state = v2.state(StateRequest.newBuilder().setId("c1").setExecId("e1").build(),
        CallOptions.timeout(Duration.ofSeconds(5)));
    assertThat(state.getStatus()).isEqualTo(Status.STOPPED);
    assertThat(state.getExitStatus()).isEqualTo(137);
    assertThat(state.getExitedAt()).isEqualTo(exitedAt);
    assertThat(state.getExecId()).isEqualTo("e1");

    assertThat(v2.connect(ConnectRequest.getDefaultInstance()).getVersion())
        .isEqualTo("containerd.task.v2.Task");
    // The v3 client reaches the same implementation under the v3 wire name.
    dev.shim4j.api.task.v3.TaskTtrpc.Client v3 = new dev.shim4j.api.task.v3.TaskTtrpc.Client(connection);
    assertThat(v3.connect(ConnectRequest.getDefaultInstance()).getVersion())
        .isEqualTo("containerd.task.v3.Task");
    // And a v2 client can be pointed at another name.
    assertThat(new TaskTtrpc.Client(connection, "containerd.task.v3.Task")
        .connect(ConnectRequest.getDefaultInstance()).getTaskPid()).isEqualTo(22);
    TtrpcException missing = catchThrowableOfType(TtrpcException.class,
        () -> new TaskTtrpc.Client(connection, "no.Such").connect(ConnectRequest.getDefaultInstance()));
    assertThat(missing.code()).isEqualTo(Code.UNIMPLEMENTED);
  }

  @Test
  void forwardCarriesAnEnvelopeWithABareAny() throws Exception {
    BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
    Client connection = serve(Server.builder().register(EventsTtrpc.bind(new EventsTtrpc.Service() {
      @Override
      public Empty forward(CallContext ctx, ForwardRequest request) {
        received.add(request.getEnvelope());
        return Empty.getDefaultInstance();
      }
    })));
    TaskExit exit = TaskExit.newBuilder().setContainerId("c1").setId("c1").setPid(9).setExitStatus(1).build();
    new EventsTtrpc.Client(connection).forward(ForwardRequest.newBuilder()
        .setEnvelope(Envelope.newBuilder().setNamespace("ns").setTopic("/tasks/exit")
            .setTimestamp(Timestamp.newBuilder().setSeconds(5)).setEvent(Anys.pack(exit)))
        .build());
    Envelope envelope = received.poll(10, TimeUnit.SECONDS);
    assertThat(envelope).isNotNull();
    Any event = envelope.getEvent();
    assertThat(event.getTypeUrl()).isEqualTo("containerd.events.TaskExit");
    assertThat(Anys.unpack(event, TaskExit.class)).isEqualTo(exit);
  }
}
