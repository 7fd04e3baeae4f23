package dev.shim4j.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagsTest {
  private static Flags parse(Map<String, String> env, String... args) throws Flags.UsageException {
    return Flags.parse(List.of(args), env);
  }

  private static Flags parse(String... args) throws Flags.UsageException {
    return parse(Map.of(), args);
  }

  @Test
  void readsContainerdsStartCommandLine() throws Exception {
    Flags f = parse("-namespace", "default", "-address", "/run/containerd/containerd.sock",
        "-publish-binary", "/usr/bin/containerd", "-id", "c1", "-debug", "start");
    assertThat(f.namespace()).isEqualTo("default");
    assertThat(f.address()).isEqualTo("/run/containerd/containerd.sock");
    assertThat(f.publishBinary()).isEqualTo("/usr/bin/containerd");
    assertThat(f.id()).isEqualTo("c1");
    assertThat(f.debug()).isTrue();
    assertThat(f.action()).isEqualTo(Flags.ACTION_START);
  }

  @Test
  void acceptsEqualsFormAndDoubleDashes() throws Exception {
    Flags f = parse("--namespace=ns", "-id=c2", "--bundle", "/b", "-debug=false", "delete");
    assertThat(f.namespace()).isEqualTo("ns");
    assertThat(f.id()).isEqualTo("c2");
    assertThat(f.bundle()).isEqualTo("/b");
    assertThat(f.debug()).isFalse();
    assertThat(f.action()).isEqualTo(Flags.ACTION_DELETE);
  }

  @Test
  void noActionMeansServe() throws Exception {
    Flags f = parse("-namespace", "ns", "-id", "c", "-socket", "unix:///tmp/x.sock");
    assertThat(f.action()).isEqualTo(Flags.ACTION_SERVE);
    assertThat(f.socketPath()).contains(java.nio.file.Path.of("/tmp/x.sock"));
  }

  @Test
  void environmentFillsWhatFlagsLeaveEmpty() throws Exception {
    Map<String, String> env = Map.of("NAMESPACE", "envns", "GRPC_ADDRESS", "/g.sock",
        "TTRPC_ADDRESS", "/t.sock.ttrpc", "MAX_SHIM_VERSION", "3");
    Flags f = parse(env, "-id", "c", "start");
    assertThat(f.namespace()).isEqualTo("envns");
    assertThat(f.address()).isEqualTo("/g.sock");
    assertThat(f.ttrpcAddress()).isEqualTo("/t.sock.ttrpc");
    assertThat(f.maxShimVersion()).isEqualTo(3);
    assertThat(parse(env, "-namespace", "flagns", "-id", "c", "start").namespace()).isEqualTo("flagns");
  }

  @Test
  void versionNeedsNothingElse() throws Exception {
    assertThat(parse("-v").version()).isTrue();
  }

  @Test
  void rejectsUnknownFlagsMissingValuesAndBadActions() {
    assertThatThrownBy(() -> parse("-namespace", "n", "-id", "c", "-bogus", "start"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("-bogus");
    assertThatThrownBy(() -> parse("-namespace", "n", "-id"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("-id");
    assertThatThrownBy(() -> parse("-namespace", "n", "-id", "c", "launch"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("launch");
    assertThatThrownBy(() -> parse("-namespace", "n", "-id", "c", "-debug=maybe"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("maybe");
    assertThatThrownBy(() -> parse("-namespace", "n", "-id", "c", "start", "extra"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("extra");
  }

  @Test
  void requiresNamespaceIdAndForStartAnAddress() {
    assertThatThrownBy(() -> parse("-id", "c", "delete"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("namespace");
    assertThatThrownBy(() -> parse("-namespace", "n", "delete"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> parse("-namespace", "n", "-id", "c", "start"))
        .isInstanceOf(Flags.UsageException.class).hasMessageContaining("address");
  }

  @Test
  void flagParsingStopsAtTheAction() throws Exception {
    assertThatThrownBy(() -> parse("-namespace", "n", "-id", "c", "start", "-debug"))
        .isInstanceOf(Flags.UsageException.class);
    assertThat(parse("-namespace", "n", "-id", "c", "--", "delete").action()).isEqualTo("delete");
  }
}
