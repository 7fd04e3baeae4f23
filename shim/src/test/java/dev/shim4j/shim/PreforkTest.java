package dev.shim4j.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreforkTest {
  @Test
  void idleTimeoutComesFromTheEnvironment() {
    assertThat(Prefork.idleTimeout(Map.of())).isEqualTo(Duration.ofMinutes(10));
    assertThat(Prefork.idleTimeout(Map.of(Prefork.IDLE_ENV, "30"))).isEqualTo(Duration.ofSeconds(30));
    assertThat(Prefork.idleTimeout(Map.of(Prefork.IDLE_ENV, "soon"))).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void onlyThePreforkActionWithTheDirectoryPropertyIsASpare() {
    String before = System.getProperty(Prefork.PROPERTY);
    try {
      System.clearProperty(Prefork.PROPERTY);
      assertThat(Prefork.requested(List.of("prefork"))).isFalse();
      System.setProperty(Prefork.PROPERTY, "/run/shim4j/prefork/x/ns");
      assertThat(Prefork.requested(List.of("prefork"))).isTrue();
      assertThat(Prefork.requested(List.of("-id", "c", "start"))).isFalse();
    } finally {
      if (before == null) {
        System.clearProperty(Prefork.PROPERTY);
      } else {
        System.setProperty(Prefork.PROPERTY, before);
      }
    }
  }
}
