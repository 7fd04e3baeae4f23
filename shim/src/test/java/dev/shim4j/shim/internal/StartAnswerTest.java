package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StartAnswerTest {
  private static final String ADDRESS = "unix:///run/containerd/s/abc";

  @Test
  void containerd16GetsThePlainAddress() {
    assertThat(StartAnswer.format(ADDRESS, 0, false)).isEqualTo(ADDRESS);
    assertThat(StartAnswer.format(ADDRESS, 1, false)).isEqualTo(ADDRESS);
  }

  @Test
  void containerd17GetsVersion2Json() {
    assertThat(StartAnswer.format(ADDRESS, 2, false))
        .isEqualTo("{\"version\":2,\"address\":\"unix:///run/containerd/s/abc\",\"protocol\":\"ttrpc\"}");
  }

  @Test
  void containerd2GetsVersion3BecauseTaskV3IsServed() {
    assertThat(StartAnswer.format(ADDRESS, 3, false))
        .isEqualTo("{\"version\":3,\"address\":\"unix:///run/containerd/s/abc\",\"protocol\":\"ttrpc\"}");
    assertThat(StartAnswer.format(ADDRESS, 9, false)).startsWith("{\"version\":3,");
    assertThat(StartAnswer.format(ADDRESS, 0, true)).startsWith("{\"version\":3,");
  }
}
