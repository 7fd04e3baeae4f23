package dev.shim4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.shim4j.api.sandbox.v1.SandboxTtrpc;
import dev.shim4j.api.services.events.v1.EventsTtrpc;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.Metadata;
import dev.shim4j.ttrpc.PeerCredentials;
import dev.shim4j.ttrpc.ServiceDefinition;
import dev.shim4j.ttrpc.TtrpcException;
import dev.shim4j.ttrpc.UnaryHandler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated bindings, called in-process (no socket): registration and the UNIMPLEMENTED defaults. */
class GeneratedServicesTest {
  static Stream<ServiceDefinition> definitions() {
    return Stream.of(
        TaskTtrpc.bind(new TaskTtrpc.Service() {}),
        dev.shim4j.api.task.v3.TaskTtrpc.bind(new dev.shim4j.api.task.v3.TaskTtrpc.Service() {}),
        TaskTtrpc.bind(new TaskTtrpc.Service() {}, "containerd.task.v3.Task"),
        EventsTtrpc.bind(new EventsTtrpc.Service() {}),
        SandboxTtrpc.bind(new SandboxTtrpc.Service() {}));
  }

  @ParameterizedTest
  @MethodSource("definitions")
  void everyDefaultMethodAnswersUnimplementedWithItsServedName(ServiceDefinition definition)
      throws Exception {
    assertThat(definition.methods()).isNotEmpty();
    for (ServiceDefinition.Method<?, ?> method : definition.methods().values()) {
      assertThat(method.descriptor().service()).isEqualTo(definition.name());
      @SuppressWarnings("unchecked") // every method of these services is unary
      UnaryHandler<Object, Object> handler = (UnaryHandler<Object, Object>) method.handler();
      Object request = method.descriptor().requestMarshaller().decode(new byte[0]);
      TtrpcException e = catchThrowableOfType(TtrpcException.class,
          () -> handler.handle(context(definition.name(), method.descriptor().method()), request));
      assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
      assertThat(e.getMessage())
          .isEqualTo(definition.name() + "/" + method.descriptor().method() + " is not implemented");
    }
  }

  @org.junit.jupiter.api.Test
  void taskServiceRegistersAllSeventeenMethods() {
    assertThat(TaskTtrpc.bind(new TaskTtrpc.Service() {}).methods().keySet())
        .containsExactlyInAnyOrderElementsOf(List.of("State", "Create", "Start", "Delete", "Pids",
            "Pause", "Resume", "Checkpoint", "Kill", "Exec", "ResizePty", "CloseIO", "Update",
            "Wait", "Stats", "Connect", "Shutdown"));
    assertThat(TaskTtrpc.METHOD_CLOSE_IO.fullName()).isEqualTo("containerd.task.v2.Task/CloseIO");
    assertThat(dev.shim4j.api.task.v3.TaskTtrpc.METHOD_CLOSE_IO.fullName())
        .isEqualTo("containerd.task.v3.Task/CloseIO");
  }

  @org.junit.jupiter.api.Test
  void anOverriddenMethodIsServed() throws Exception {
    TaskTtrpc.Service impl = new TaskTtrpc.Service() {
      @Override
      public dev.shim4j.api.task.v2.ConnectResponse connect(
          CallContext ctx, dev.shim4j.api.task.v2.ConnectRequest request) {
        return dev.shim4j.api.task.v2.ConnectResponse.newBuilder().setShimPid(7).build();
      }
    };
    @SuppressWarnings("unchecked")
    UnaryHandler<dev.shim4j.api.task.v2.ConnectRequest, dev.shim4j.api.task.v2.ConnectResponse> h =
        (UnaryHandler<dev.shim4j.api.task.v2.ConnectRequest, dev.shim4j.api.task.v2.ConnectResponse>)
            TaskTtrpc.bind(impl).method("Connect").handler();
    assertThat(h.handle(context(TaskTtrpc.SERVICE_NAME, "Connect"),
        dev.shim4j.api.task.v2.ConnectRequest.getDefaultInstance()).getShimPid()).isEqualTo(7);
  }

  static CallContext context(String service, String method) {
    return new CallContext() {
      @Override
      public String service() {
        return service;
      }

      @Override
      public String method() {
        return method;
      }

      @Override
      public Metadata metadata() {
        return Metadata.EMPTY;
      }

      @Override
      public Optional<Duration> remaining() {
        return Optional.empty();
      }

      @Override
      public boolean isCancelled() {
        return false;
      }

      @Override
      public Optional<PeerCredentials> peer() {
        return Optional.empty();
      }
    };
  }
}
