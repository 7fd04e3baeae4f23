package dev.shim4j.shim.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.api.Anys;
import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.bootstrap.v1.Extension;
import dev.shim4j.api.runc.options.Options;
import dev.shim4j.shim.Flags;
import dev.shim4j.shim.StartOpts;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StartInputTest {
  private static final Options RUNC = Options.newBuilder().setBinaryName("crun").setRoot("/r").build();

  @Test
  void emptyStdinMeansNoOptions() throws Exception {
    StartInput in = StartInput.parse(new byte[0], "c1", "ns");
    assertThat(in.params()).isEmpty();
    assertThat(in.options()).isEmpty();
  }

  @Test
  void legacyAnyIsTheOptions() throws Exception {
    Any any = Anys.pack(RUNC);
    StartInput in = StartInput.parse(any.toByteArray(), "c1", "ns");
    assertThat(in.params()).isEmpty();
    assertThat(in.options()).contains(any);
    assertThat(Anys.unpack(in.options().orElseThrow(), Options.parser())).isEqualTo(RUNC);
  }

  @Test
  void bootstrapParamsForThisInstanceCarryTheOptions() throws Exception {
    BootstrapParams params = BootstrapParams.newBuilder()
        .setInstanceId("c1").setNamespace("ns")
        .setContainerdGrpcAddress("/g.sock").setContainerdTtrpcAddress("/t.sock")
        .setSocketDir("/tmp/sockets")
        .addExtensions(Extension.newBuilder().setValue(Anys.pack(RUNC)))
        .build();
    StartInput in = StartInput.parse(params.toByteArray(), "c1", "ns");
    assertThat(in.params()).contains(params);
    assertThat(Anys.unpack(in.options().orElseThrow(), Options.parser())).isEqualTo(RUNC);

    Flags flags = Flags.parse(java.util.List.of("-namespace", "ns", "-id", "c1", "-address", "/g.sock", "start"),
        java.util.Map.of());
    StartOpts opts = Bootstrap.startOpts(flags, in);
    assertThat(opts.socketDir()).isEqualTo(Path.of("/tmp/sockets"));
    assertThat(opts.ttrpcAddress()).isEqualTo("/t.sock");
    assertThat(opts.options()).isPresent();
  }

  @Test
  void bootstrapParamsForAnotherInstanceAreReadAsTheLegacyAny() throws Exception {
    BootstrapParams other = BootstrapParams.newBuilder().setInstanceId("c2").setNamespace("ns").build();
    StartInput in = StartInput.parse(other.toByteArray(), "c1", "ns");
    // Not ours: the bytes are taken for what an older containerd sends, an Any (field 1 = type_url).
    assertThat(in.params()).isEmpty();
    assertThat(in.options().map(Any::getTypeUrl)).contains("c2");
  }

  @Test
  void garbageIsAClearError() {
    assertThatThrownBy(() -> StartInput.parse(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}, "c1", "ns"))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void defaultsWithoutBootstrapParams() throws Exception {
    Flags flags = Flags.parse(java.util.List.of("-namespace", "ns", "-id", "c1", "-address", "/g.sock", "start"),
        java.util.Map.of("TTRPC_ADDRESS", "/t"));
    StartOpts opts = Bootstrap.startOpts(flags, StartInput.NONE);
    assertThat(opts.socketDir()).isEqualTo(ShimAddress.DEFAULT_SOCKET_DIR);
    assertThat(opts.ttrpcAddress()).isEqualTo("/t");
    assertThat(opts.containerdAddress()).isEqualTo("/g.sock");
    assertThat(opts.options()).isEmpty();
  }
}
