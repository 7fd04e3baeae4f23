package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.shim4j.api.Anys;
import dev.shim4j.api.runc.options.Options;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.TtrpcException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runc options as TOML: what CRI's generic runtime options and ctr's --runtime-config-path carry. */
class RuncOptionsTomlTest {
  @TempDir Path dir;

  @Test
  void readsTheKeysAsCrisRuncTableSpellsThem() {
    RuncOptionsToml.Parsed parsed = RuncOptionsToml.parse("""
        # runc4j's options, as for runc
        BinaryName = "/usr/local/bin/runc"
        SystemdCgroup = true
        ShimCgroup = '/system.slice/shim'   # a literal string
        IoUid = 1_000
        IoGid = 0
        NoPivotRoot = false
        """, "test.toml");

    assertThat(parsed.options()).isEqualTo(Options.newBuilder()
        .setBinaryName("/usr/local/bin/runc").setSystemdCgroup(true).setShimCgroup("/system.slice/shim")
        .setIoUid(1000).build());
    assertThat(parsed.skippedKeys()).isEmpty();
  }

  @Test
  void readsTheProtosNamesEscapesAndTheLargestUid() {
    Options options = RuncOptionsToml.parse(
        "binary_name = \"/opt/r\\u00fcnc\\t\\\"x\\\"\"\r\n\"criu_work_path\" = \"/w\"\r\nio_uid = 4294967295\n",
        "body").options();

    assertThat(options.getBinaryName()).isEqualTo("/opt/rünc\t\"x\"");
    assertThat(options.getCriuWorkPath()).isEqualTo("/w");
    assertThat(Integer.toUnsignedLong(options.getIoUid())).isEqualTo(4294967295L);
  }

  @Test
  void skipsAndReportsKeysOfNoRuncOption() {
    RuncOptionsToml.Parsed parsed = RuncOptionsToml.parse("TypeUrl = \"x\"\nSystemdCgroup = true\nfoo = 1\n", "body");

    assertThat(parsed.options().getSystemdCgroup()).isTrue();
    assertThat(parsed.skippedKeys()).containsExactly("TypeUrl", "foo");
  }

  @Test
  void namesTheLineOfWhatItDoesNotTake() {
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"/r\"\nSystemdCgroup = \"yes\"\n", "f.toml"))
        .hasMessage("f.toml line 2: SystemdCgroup takes true or false, not \"yes\"");
    assertThatThrownBy(() -> RuncOptionsToml.parse("IoUid = -1", "f")).hasMessageContaining("line 1: IoUid takes a whole number");
    assertThatThrownBy(() -> RuncOptionsToml.parse("IoUid = 4294967296", "f")).hasMessageContaining("IoUid takes a whole number");
    assertThatThrownBy(() -> RuncOptionsToml.parse("BinaryName = 3", "f")).hasMessageContaining("BinaryName takes a string, not 3");
    assertThatThrownBy(() -> RuncOptionsToml.parse("\n[options]\n", "f")).hasMessageContaining("line 2: tables are not supported");
    assertThatThrownBy(() -> RuncOptionsToml.parse("a.b = 1", "f")).hasMessageContaining("dotted keys");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"/r", "f")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"\"\"x\"\"\"", "f")).hasMessageContaining("multi-line");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root \"/r\"", "f")).hasMessageContaining("expected '='");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root =", "f")).hasMessageContaining("a value is missing");
    assertThatThrownBy(() -> RuncOptionsToml.parse("IoUid = 1.5", "f")).hasMessageContaining("unsupported value '1.5'");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"/r\" x", "f")).hasMessageContaining("unexpected text");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"\\q\"", "f")).hasMessageContaining("unknown escape \\q");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"\\u12\"", "f")).hasMessageContaining("4 hex digits");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"/a\"\nRoot = \"/b\"", "f"))
        .hasMessageContaining("line 2: Root is set twice");
    assertThatThrownBy(() -> RuncOptionsToml.parse("Root = \"/a\"\nroot = \"/b\"", "f"))
        .hasMessageContaining("line 2: root sets Root again");
  }

  @Test
  void createsOptionsFromTheFileAtConfigPathBeforeTheBody() throws Exception {
    Path file = Files.writeString(dir.resolve("runc4j.toml"), "ShimCgroup = \"/from-file\"\n");
    Any any = Anys.pack(dev.shim4j.api.runtimeoptions.v1.Options.newBuilder()
        .setConfigPath(file.toString())
        .setConfigBody(ByteString.copyFromUtf8("ShimCgroup = \"/from-body\""))
        .build());

    assertThat(RuncConfig.fromAny(any).options.getShimCgroup()).isEqualTo("/from-file");
  }

  @Test
  void createsOptionsFromTheBodyWithoutAConfigPath() throws Exception {
    Any any = Anys.pack(dev.shim4j.api.runtimeoptions.v1.Options.newBuilder()
        .setTypeUrl("io.containerd.runc.v1.Options")
        .setConfigBody(ByteString.copyFromUtf8("BinaryName = 'crun'\nSystemdCgroup = true\n"))
        .build());

    RuncConfig config = RuncConfig.fromAny(any);

    assertThat(config.binary()).isEqualTo("crun");
    assertThat(config.options.getSystemdCgroup()).isTrue();
  }

  @Test
  void aMissingConfigFileOrBadTomlIsAnInvalidArgument() {
    Any missing = Anys.pack(dev.shim4j.api.runtimeoptions.v1.Options.newBuilder()
        .setConfigPath(dir.resolve("nope.toml").toString()).build());
    Any bad = Anys.pack(dev.shim4j.api.runtimeoptions.v1.Options.newBuilder()
        .setConfigBody(ByteString.copyFromUtf8("SystemdCgroup = yes")).build());

    assertThatThrownBy(() -> RuncConfig.fromAny(missing))
        .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
        .hasMessageContaining("config_path " + dir.resolve("nope.toml") + " does not exist");
    assertThatThrownBy(() -> RuncConfig.fromAny(bad))
        .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
        .hasMessageContaining("config_body line 1: unsupported value 'yes'");
  }
}
