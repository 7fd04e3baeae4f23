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
import java.util.LinkedHashMap;
import java.util.Map;
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
    // TOML in, the part of the error that says what is wrong with it
    Map<String, String> errors = new LinkedHashMap<>();
    errors.put("IoUid = -1", "line 1: IoUid takes a whole number");
    errors.put("IoUid = 4294967296", "IoUid takes a whole number");
    errors.put("BinaryName = 3", "BinaryName takes a string, not 3");
    errors.put("\n[options]\n", "line 2: tables are not supported");
    errors.put("a.b = 1", "dotted keys");
    errors.put("Root = \"/r", "not closed");
    errors.put("Root = \"\"\"x\"\"\"", "multi-line");
    errors.put("Root \"/r\"", "expected '='");
    errors.put("Root =", "a value is missing");
    errors.put("IoUid = 1.5", "unsupported value '1.5'");
    errors.put("Root = \"/r\" x", "unexpected text");
    errors.put("Root = \"\\q\"", "unknown escape \\q");
    errors.put("Root = \"\\u12\"", "4 hex digits");
    errors.put("Root = \"/a\"\nRoot = \"/b\"", "line 2: Root is set twice");
    errors.put("Root = \"/a\"\nroot = \"/b\"", "line 2: root sets Root again");
    errors.forEach((toml, error) ->
        assertThatThrownBy(() -> RuncOptionsToml.parse(toml, "f")).as(toml).hasMessageContaining(error));
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
