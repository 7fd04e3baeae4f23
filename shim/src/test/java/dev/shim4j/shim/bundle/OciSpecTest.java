package dev.shim4j.shim.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciSpecTest {
  @TempDir Path bundle;

  private static final String SPEC = """
      {
        "ociVersion": "1.0.2-dev",
        "process": {"terminal": true, "user": {"uid": 0, "gid": 0}, "args": ["sh"], "cwd": "/"},
        "root": {"path": "rootfs", "readonly": true},
        "annotations": {"io.kubernetes.cri.container-type": "sandbox", "x": "y"},
        "linux": {
          "cgroupsPath": "/default/c1",
          "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "network", "path": "/proc/1/ns/net"}],
          "resources": {"devices": [{"allow": false, "access": "rwm"}]}
        }
      }
      """;

  @Test
  void readsWhatShimsNeed() throws Exception {
    Files.writeString(bundle.resolve("config.json"), SPEC);
    OciSpec spec = OciSpec.read(bundle);
    assertThat(spec.terminal()).isTrue();
    assertThat(spec.annotations()).containsEntry("io.kubernetes.cri.container-type", "sandbox").hasSize(2);
    assertThat(spec.cgroupsPath()).isEqualTo("/default/c1");
    assertThat(spec.rootPath()).isEqualTo("rootfs");
    assertThat(spec.rootReadonly()).isTrue();
    assertThat(spec.rootfs(bundle)).isEqualTo(bundle.resolve("rootfs"));
    assertThat(spec.namespaces()).containsExactly(new OciSpec.Namespace("pid", ""),
        new OciSpec.Namespace("ipc", ""), new OciSpec.Namespace("network", "/proc/1/ns/net"));
    assertThat(spec.hasOwnPidNamespace()).isTrue();
    assertThat(spec.raw().get("ociVersion")).isEqualTo("1.0.2-dev");
  }

  @Test
  void joiningAnotherPidNamespaceIsNotOwningOne() {
    OciSpec spec = OciSpec.parse("{\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/proc/9/ns/pid\"}]}}");
    assertThat(spec.hasOwnPidNamespace()).isFalse();
    assertThat(OciSpec.parse("{}").hasOwnPidNamespace()).isFalse();
  }

  @Test
  void minimalSpecHasDefaults() {
    OciSpec spec = OciSpec.parse("{\"root\":{\"path\":\"/abs/root\"}}");
    assertThat(spec.terminal()).isFalse();
    assertThat(spec.annotations()).isEmpty();
    assertThat(spec.cgroupsPath()).isEmpty();
    assertThat(spec.rootfs(bundle)).isEqualTo(Path.of("/abs/root"));
  }

  @Test
  void wrongTypesAndBrokenFilesGiveClearErrors() throws Exception {
    assertThatThrownBy(() -> OciSpec.parse("{\"process\":{\"terminal\":\"yes\"}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("terminal must be a boolean");
    assertThatThrownBy(() -> OciSpec.parse("[]")).hasMessageContaining("expected a JSON object");
    Files.writeString(bundle.resolve("config.json"), "{\"process\":");
    assertThatThrownBy(() -> OciSpec.read(bundle)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("config.json").hasMessageContaining("unexpected end of input");
    Files.delete(bundle.resolve("config.json"));
    assertThatThrownBy(() -> OciSpec.read(bundle)).isInstanceOf(java.nio.file.NoSuchFileException.class);
  }
}
