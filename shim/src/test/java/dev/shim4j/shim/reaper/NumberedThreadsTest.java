package dev.shim4j.shim.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class NumberedThreadsTest {
  @Test
  void numbersVirtualThreadsFromZeroPerFactory() {
    ThreadFactory exits = NumberedThreads.virtual("reaper-exit-");
    ThreadFactory pumps = NumberedThreads.virtual("reaper-io-");

    Thread first = exits.newThread(() -> {});
    Thread second = exits.newThread(() -> {});
    Thread other = pumps.newThread(() -> {});

    assertThat(first.getName()).isEqualTo("reaper-exit-0");
    assertThat(second.getName()).isEqualTo("reaper-exit-1");
    assertThat(other.getName()).isEqualTo("reaper-io-0");
    assertThat(first.isVirtual()).isTrue();
    assertThat(first.getState()).isEqualTo(Thread.State.NEW);
  }
}
