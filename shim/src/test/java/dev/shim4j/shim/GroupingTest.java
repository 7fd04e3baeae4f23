package dev.shim4j.shim;

import dev.shim4j.shim.internal.ShimAddress;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupingTest {
  private static StartOpts opts(Path bundle, String id) {
    return new StartOpts(id, "ns", "/c.sock", "", "", bundle, false, Optional.empty(), ShimAddress.DEFAULT_SOCKET_DIR);
  }

  @Test
  void explicitGroupWinsOverTheSandbox() {
    assertThat(Grouping.fromAnnotations(Map.of(
        Grouping.GROUP_ANNOTATION, "g1", Grouping.SANDBOX_ANNOTATION, "pod1"))).contains("g1");
    assertThat(Grouping.fromAnnotations(Map.of(Grouping.SANDBOX_ANNOTATION, "pod1"))).contains("pod1");
    assertThat(Grouping.fromAnnotations(Map.of("other", "x"))).isEmpty();
    assertThat(Grouping.fromAnnotations(Map.of(Grouping.GROUP_ANNOTATION, ""))).isEmpty();
  }

  @Test
  void readsTheBundlesConfig(@TempDir Path bundle) throws Exception {
    assertThat(Grouping.of(opts(bundle, "c1"))).as("no config.json: the container alone").isEqualTo("c1");
    Files.writeString(bundle.resolve("config.json"),
        "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"pod-7\"}}");
    assertThat(Grouping.of(opts(bundle, "c1"))).isEqualTo("pod-7");
    Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\"}");
    assertThat(Grouping.of(opts(bundle, "c1"))).isEqualTo("c1");
  }

  @Test
  void containersOfOnePodShareAnAddress(@TempDir Path bundle) throws Exception {
    Files.writeString(bundle.resolve("config.json"),
        "{\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"pod-7\"}}");
    String container = ShimAddress.of("/c.sock", "ns", Grouping.of(opts(bundle, "app")));
    assertThat(container).isEqualTo(ShimAddress.of("/c.sock", "ns", "pod-7"));
  }
}
