package dev.shim4j.dist.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pods benchmark's own arithmetic: which processes count, and its order statistics. */
class PodBenchTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aProcessCountsOnlyWithTheWholeEntry() {
    byte[] mark = bytes("TTRPC_ADDRESS=/tmp/s4j-1/c.sock.ttrpc");
    assertThat(PodBench.hasEntry(bytes("PATH=/bin\0TTRPC_ADDRESS=/tmp/s4j-1/c.sock.ttrpc\0HOME=/"), mark)).isTrue();
    assertThat(PodBench.hasEntry(bytes("TTRPC_ADDRESS=/tmp/s4j-1/c.sock.ttrpc"), mark)).as("last, no NUL").isTrue();
    assertThat(PodBench.hasEntry(bytes("TTRPC_ADDRESS=/tmp/s4j-1/c.sock.ttrpc2\0"), mark)).as("another containerd").isFalse();
    assertThat(PodBench.hasEntry(bytes("X_TTRPC_ADDRESS=/tmp/s4j-1/c.sock.ttrpc\0"), mark)).isFalse();
    assertThat(PodBench.hasEntry(new byte[0], mark)).isFalse();
  }

  @Test
  void medianAndNearestRankP90() {
    List<Double> ms = List.of(5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 9.0, 8.0, 7.0, 6.0);
    assertThat(PodBench.percentile(ms, 50)).isEqualTo(5.5);
    assertThat(PodBench.percentile(ms, 90)).isEqualTo(9.0);
    assertThat(PodBench.percentile(List.of(3.0), 90)).isEqualTo(3.0);
  }
}
