package dev.shim4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.bootstrap.v1.BootstrapResult;
import dev.shim4j.api.events.TaskCreate;
import dev.shim4j.api.events.TaskDelete;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskExecStarted;
import dev.shim4j.api.runc.options.Options;
import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.api.services.events.v1.ForwardRequest;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.StateResponse;
import dev.shim4j.api.types.Mount;
import dev.shim4j.api.types.task.Status;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire facts of the containerd API, checked against the compiled descriptors so that a typo in
 * a .proto file (a name, a number, a type, a package) fails here and not against containerd.
 */
class WireNumbersTest {
  /** "name=number:type" for every field, in declaration order. */
  private static List<String> fields(Descriptor d) {
    return d.getFields().stream()
        .map(f -> f.getName() + "=" + f.getNumber() + ":" + typeOf(f))
        .toList();
  }

  private static String typeOf(FieldDescriptor f) {
    String base = switch (f.getJavaType()) {
      case MESSAGE -> f.getMessageType().getFullName();
      case ENUM -> f.getEnumType().getFullName();
      default -> f.getType().name().toLowerCase();
    };
    return f.isRepeated() && !f.isMapField() ? "repeated " + base : base;
  }

  @Test
  void taskExit() {
    assertThat(TaskExit.getDescriptor().getFullName()).isEqualTo("containerd.events.TaskExit");
    assertThat(fields(TaskExit.getDescriptor())).containsExactly(
        "container_id=1:string", "id=2:string", "pid=3:uint32", "exit_status=4:uint32",
        "exited_at=5:google.protobuf.Timestamp");
  }

  @Test
  void otherTaskEvents() {
    assertThat(fields(TaskCreate.getDescriptor())).containsExactly(
        "container_id=1:string", "bundle=2:string", "rootfs=3:repeated containerd.types.Mount",
        "io=4:containerd.events.TaskIO", "checkpoint=5:string", "pid=6:uint32");
    assertThat(fields(TaskDelete.getDescriptor())).containsExactly(
        "container_id=1:string", "pid=2:uint32", "exit_status=3:uint32",
        "exited_at=4:google.protobuf.Timestamp", "id=5:string");
    assertThat(fields(TaskExecStarted.getDescriptor())).containsExactly(
        "container_id=1:string", "exec_id=2:string", "pid=3:uint32");
  }

  @Test
  void envelopeAndForwardRequest() {
    assertThat(Envelope.getDescriptor().getFullName())
        .isEqualTo("containerd.services.events.ttrpc.v1.Envelope");
    assertThat(fields(Envelope.getDescriptor())).containsExactly(
        "timestamp=1:google.protobuf.Timestamp", "namespace=2:string", "topic=3:string",
        "event=4:google.protobuf.Any");
    assertThat(fields(ForwardRequest.getDescriptor())).containsExactly(
        "envelope=1:containerd.services.events.ttrpc.v1.Envelope");
    ServiceDescriptor events = ForwardRequest.getDescriptor().getFile().getServices().getFirst();
    assertThat(events.getFullName()).isEqualTo("containerd.services.events.ttrpc.v1.Events");
    assertThat(events.findMethodByName("Forward").getOutputType().getFullName())
        .isEqualTo("google.protobuf.Empty");
  }

  @Test
  void runcOptionsOneToThirteen() {
    assertThat(Options.getDescriptor().getFullName()).isEqualTo("containerd.runc.v1.Options");
    assertThat(fields(Options.getDescriptor())).containsExactly(
        "no_pivot_root=1:bool", "no_new_keyring=2:bool", "shim_cgroup=3:string",
        "io_uid=4:uint32", "io_gid=5:uint32", "binary_name=6:string", "root=7:string",
        "criu_path=8:string", "systemd_cgroup=9:bool", "criu_image_path=10:string",
        "criu_work_path=11:string", "task_api_address=12:string", "task_api_version=13:uint32");
  }

  @Test
  void olderRuncCreateOptionsOneToThirteen() {
    Descriptor d = dev.shim4j.api.runc.linux.CreateOptions.getDescriptor();
    assertThat(d.getFullName()).isEqualTo("containerd.linux.runc.CreateOptions");
    assertThat(fields(d)).containsExactly(
        "no_pivot_root=1:bool", "open_tcp=2:bool", "external_unix_sockets=3:bool", "terminal=4:bool",
        "file_locks=5:bool", "empty_namespaces=6:repeated string", "cgroups_mode=7:string",
        "no_new_keyring=8:bool", "shim_cgroup=9:string", "io_uid=10:uint32", "io_gid=11:uint32",
        "criu_work_path=12:string", "criu_image_path=13:string");
  }

  @Test
  void deleteResponseIsWhatTheShimPrints() {
    assertThat(fields(DeleteResponse.getDescriptor())).containsExactly(
        "pid=1:uint32", "exit_status=2:uint32", "exited_at=3:google.protobuf.Timestamp");
  }

  @Test
  void createAndStateOfTheTaskService() {
    assertThat(fields(CreateTaskRequest.getDescriptor())).containsExactly(
        "id=1:string", "bundle=2:string", "rootfs=3:repeated containerd.types.Mount",
        "terminal=4:bool", "stdin=5:string", "stdout=6:string", "stderr=7:string",
        "checkpoint=8:string", "parent_checkpoint=9:string", "options=10:google.protobuf.Any");
    assertThat(fields(StateResponse.getDescriptor())).containsExactly(
        "id=1:string", "bundle=2:string", "pid=3:uint32", "status=4:containerd.v1.types.Status",
        "stdin=5:string", "stdout=6:string", "stderr=7:string", "terminal=8:bool",
        "exit_status=9:uint32", "exited_at=10:google.protobuf.Timestamp", "exec_id=11:string");
    assertThat(fields(Mount.getDescriptor())).containsExactly(
        "type=1:string", "source=2:string", "target=3:string", "options=4:repeated string");
  }

  @Test
  void statusEnum() {
    Map<String, Integer> values = new LinkedHashMap<>();
    Status.getDescriptor().getValues().forEach(v -> values.put(v.getName(), v.getNumber()));
    assertThat(values).containsExactly(
        Map.entry("UNKNOWN", 0), Map.entry("CREATED", 1), Map.entry("RUNNING", 2),
        Map.entry("STOPPED", 3), Map.entry("PAUSED", 4), Map.entry("PAUSING", 5));
  }

  @Test
  void taskServicesV2AndV3HaveTheSameMethods() {
    List<String> expected = List.of("State", "Create", "Start", "Delete", "Pids", "Pause",
        "Resume", "Checkpoint", "Kill", "Exec", "ResizePty", "CloseIO", "Update", "Wait", "Stats",
        "Connect", "Shutdown");
    ServiceDescriptor v2 = DeleteResponse.getDescriptor().getFile().findServiceByName("Task");
    ServiceDescriptor v3 = dev.shim4j.api.task.v3.TaskV3Proto.getDescriptor().findServiceByName("Task");
    assertThat(v2.getFullName()).isEqualTo("containerd.task.v2.Task");
    assertThat(v3.getFullName()).isEqualTo("containerd.task.v3.Task");
    assertThat(v2.getMethods()).extracting(m -> m.getName()).containsExactlyElementsOf(expected);
    assertThat(v3.getMethods()).extracting(m -> m.getName()).containsExactlyElementsOf(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(v3.getMethods().get(i).getInputType()).isEqualTo(v2.getMethods().get(i).getInputType());
      assertThat(v3.getMethods().get(i).getOutputType()).isEqualTo(v2.getMethods().get(i).getOutputType());
    }
  }

  @Test
  void bootstrap() {
    assertThat(BootstrapParams.getDescriptor().getFullName())
        .isEqualTo("containerd.runtime.bootstrap.v1.BootstrapParams");
    assertThat(fields(BootstrapParams.getDescriptor())).containsExactly(
        "instance_id=1:string", "namespace=2:string",
        "log_level=3:containerd.runtime.bootstrap.v1.LogLevel", "containerd_version=4:string",
        "containerd_ttrpc_address=5:string", "containerd_grpc_address=6:string",
        "containerd_binary=7:string",
        "extensions=8:repeated containerd.runtime.bootstrap.v1.Extension", "socket_dir=9:string");
    assertThat(BootstrapParams.getDescriptor().findFieldByName("socket_dir").hasPresence()).isTrue();
    assertThat(fields(BootstrapResult.getDescriptor())).startsWith(
        "version=1:int32", "address=2:string", "protocol=3:string");
  }

  @Test
  void cgroupMetricsTopLevels() {
    assertThat(fields(dev.shim4j.api.cgroups.v1.Metrics.getDescriptor())).containsExactly(
        "hugetlb=1:repeated io.containerd.cgroups.v1.HugetlbStat",
        "pids=2:io.containerd.cgroups.v1.PidsStat", "cpu=3:io.containerd.cgroups.v1.CPUStat",
        "memory=4:io.containerd.cgroups.v1.MemoryStat",
        "blkio=5:io.containerd.cgroups.v1.BlkIOStat", "rdma=6:io.containerd.cgroups.v1.RdmaStat",
        "network=7:repeated io.containerd.cgroups.v1.NetworkStat",
        "cgroup_stats=8:io.containerd.cgroups.v1.CgroupStats",
        "memory_oom_control=9:io.containerd.cgroups.v1.MemoryOomControl");
    assertThat(fields(dev.shim4j.api.cgroups.v2.Metrics.getDescriptor())).containsExactly(
        "pids=1:io.containerd.cgroups.v2.PidsStat", "cpu=2:io.containerd.cgroups.v2.CPUStat",
        "memory=4:io.containerd.cgroups.v2.MemoryStat", "rdma=5:io.containerd.cgroups.v2.RdmaStat",
        "io=6:io.containerd.cgroups.v2.IOStat",
        "hugetlb=7:repeated io.containerd.cgroups.v2.HugeTlbStat",
        "memory_events=8:io.containerd.cgroups.v2.MemoryEvents",
        "network=9:repeated io.containerd.cgroups.v2.NetworkStat");
    assertThat(fields(dev.shim4j.api.cgroups.v2.MemoryEvents.getDescriptor())).containsExactly(
        "low=1:uint64", "high=2:uint64", "max=3:uint64", "oom=4:uint64", "oom_kill=5:uint64",
        "oom_group_kill=6:uint64");
  }
}
