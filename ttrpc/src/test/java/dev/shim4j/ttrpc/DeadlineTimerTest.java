package dev.shim4j.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DeadlineTimerTest {

  @Test
  void firesEveryLiveDeadlineOnceNeverEarlyAndNeverACancelledOne() throws Exception {
    DeadlineTimer timer = new DeadlineTimer();
    try {
      int n = 2000;
      ConcurrentHashMap<Integer, Long> firedAt = new ConcurrentHashMap<>();
      AtomicInteger fires = new AtomicInteger();
      long[] deadlines = new long[n];
      CountDownLatch live = new CountDownLatch(n / 2);
      long base = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int id = i;
        deadlines[i] = base + TimeUnit.MILLISECONDS.toNanos(1000 + (i * 7919L) % 200);
        DeadlineTimer.Entry entry = timer.schedule(deadlines[i], () -> {
          fires.incrementAndGet();
          firedAt.put(id, System.nanoTime());
          live.countDown();
        });
        if (i % 2 == 1) {
          entry.cancel(); // at once, surely before its deadline
        }
      }
      assertThat(live.await(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(300); // anything cancelled that would still fire has had its chance
      assertThat(fires.get()).as("fired, cancelled ones included").isEqualTo(n / 2);
      for (int i = 0; i < n; i += 2) {
        assertThat(firedAt.get(i)).as("entry %d", i).isNotNull();
        assertThat(firedAt.get(i) - deadlines[i]).as("entry %d fired early", i)
            .isGreaterThanOrEqualTo(0);
      }
    } finally {
      timer.shutdown();
    }
  }

  @Test
  void aDeadlineAlreadyPastFiresPromptly() throws Exception {
    DeadlineTimer timer = new DeadlineTimer();
    try {
      CountDownLatch fired = new CountDownLatch(1);
      timer.schedule(System.nanoTime() - 1_000_000, fired::countDown);
      assertThat(fired.await(1, TimeUnit.SECONDS)).isTrue();
    } finally {
      timer.shutdown();
    }
  }
}
