package dev.shim4j.shim.internal;

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
  void onlyThePreforkActionWithAPoolIsASpare() {
    String before = System.getProperty(PoolDir.PROPERTY);
    try {
      System.clearProperty(PoolDir.PROPERTY);
      assertThat(Prefork.requested(List.of("prefork"))).isFalse();
      System.setProperty(PoolDir.PROPERTY, "/run/shim4j/prefork/0123456789abcdef");
      assertThat(Prefork.requested(List.of("prefork"))).isTrue();
      assertThat(Prefork.requested(List.of("-id", "c", "start"))).isFalse();
    } finally {
      if (before == null) {
        System.clearProperty(PoolDir.PROPERTY);
      } else {
        System.setProperty(PoolDir.PROPERTY, before);
      }
    }
  }

  @Test
  void aProcessIsKnownByItsPidAndStartTimeSoAReusedPidIsNotIt() throws Exception {
    ProcessId self = ProcessId.self();
    assertThat(self.isAlive()).isTrue();
    assertThat(ProcessId.parse(self.toString())).contains(self);
    assertThat(new ProcessId(self.pid(), self.startTicks() + 1).isAlive()).isFalse();
    assertThat(ProcessId.parse(Long.toString(self.pid())).orElseThrow().isAlive()).isTrue();

    Process sleeper = new ProcessBuilder("sleep", "60").start();
    ProcessId child = ProcessId.of(sleeper.pid()).orElseThrow();
    assertThat(child.isAlive()).isTrue();
    sleeper.destroyForcibly().waitFor();
    assertThat(child.isAlive()).isFalse();
    assertThat(ProcessId.parse("x:1")).isEmpty();
  }
}
