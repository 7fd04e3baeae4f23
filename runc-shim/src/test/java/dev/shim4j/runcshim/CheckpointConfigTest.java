package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.shim4j.api.Anys;
import dev.shim4j.api.runc.linux.CreateOptions;
import dev.shim4j.api.runc.options.CheckpointOptions;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.TtrpcException;
import org.junit.jupiter.api.Test;

/** The option types a Checkpoint request may carry, as the runc options runc4j checkpoints with. */
class CheckpointConfigTest {

  @Test
  void theOlderLinuxTypeMapsFieldByFieldWithItsPathsInTheirPlace() throws Exception {
    var linux = dev.shim4j.api.runc.linux.CheckpointOptions.newBuilder()
        .setExit(true).setOpenTcp(true).setExternalUnixSockets(true).setTerminal(true).setFileLocks(true)
        .addEmptyNamespaces("network").setCgroupsMode("soft")
        .setWorkPath("/ck/work").setImagePath("/ck/image")
        .build();

    CheckpointOptions o = CheckpointConfig.fromAny(Anys.pack(linux));

    assertThat(o).isEqualTo(CheckpointOptions.newBuilder()
        .setExit(true).setOpenTcp(true).setExternalUnixSockets(true).setTerminal(true).setFileLocks(true)
        .addEmptyNamespaces("network").setCgroupsMode("soft")
        .setWorkPath("/ck/work").setImagePath("/ck/image")
        .build());
    // Read as the runc type, the older bytes would swap the two paths.
    assertThat(CheckpointOptions.parseFrom(linux.toByteString()).getImagePath()).isEqualTo("/ck/work");
  }

  @Test
  void theRuncTypeAndNoOptionsAreTakenAsTheyAre() throws Exception {
    CheckpointOptions runc = CheckpointOptions.newBuilder().setImagePath("/i").setParentPath("/p").build();
    assertThat(CheckpointConfig.fromAny(Anys.pack(runc))).isEqualTo(runc);
    assertThat(CheckpointConfig.fromAny(null)).isEqualTo(CheckpointOptions.getDefaultInstance());
    assertThat(CheckpointConfig.fromAny(Any.getDefaultInstance())).isEqualTo(CheckpointOptions.getDefaultInstance());
  }

  @Test
  void anotherTypeIsRefused() {
    assertThatThrownBy(() -> CheckpointConfig.fromAny(Anys.pack(CreateOptions.getDefaultInstance())))
        .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
        .hasMessageContaining("containerd.linux.runc.CreateOptions")
        .hasMessageContaining("containerd.linux.runc.CheckpointOptions");
  }
}
