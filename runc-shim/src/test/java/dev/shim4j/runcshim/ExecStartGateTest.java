package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Exec starts against init's exit: who is counted, who is refused, when the exit may go out. */
class ExecStartGateTest {

  @Test
  void initExitWaitsForTheStartUnderWayAndRefusesLaterOnes() {
    ExecStartGate gate = new ExecStartGate();
    assertThat(gate.enter()).isTrue();
    CompletableFuture<Void> drained = gate.close();
    assertThat(drained).as("a start is still under way").isNotDone();
    assertThat(gate.enter()).as("a start after init exited").isFalse();
    gate.leave();
    assertThat(drained).isDone();
  }

  @Test
  void withoutStartsUnderWayInitsExitGoesOutAtOnce() {
    ExecStartGate gate = new ExecStartGate();
    assertThat(gate.enter()).isTrue();
    gate.leave();
    assertThat(gate.close()).isDone();
    assertThat(gate.enter()).isFalse();
  }

  /**
   * Forty starts race one init exit, 300 times over: the exit's future completes only once
   * every counted start has left, and no start is counted after the close returned.
   */
  @Test
  void fortyStartsRacingInitsExit() throws Exception {
    int starts = 40;
    for (int round = 0; round < 300; round++) {
      ExecStartGate gate = new ExecStartGate();
      AtomicInteger counted = new AtomicInteger();
      AtomicInteger left = new AtomicInteger();
      AtomicBoolean closeReturned = new AtomicBoolean();
      AtomicInteger countedAfterClose = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < starts; i++) {
        threads.add(Thread.ofVirtual().start(() -> {
          try {
            go.await();
            boolean closedBefore = closeReturned.get();
            if (gate.enter()) {
              counted.incrementAndGet();
              if (closedBefore) {
                countedAfterClose.incrementAndGet();
              }
              try {
                if (ThreadLocalRandom.current().nextBoolean()) {
                  Thread.sleep(0, ThreadLocalRandom.current().nextInt(200_000));
                }
              } finally {
                left.incrementAndGet();
                gate.leave();
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
      }
      go.countDown();
      if (ThreadLocalRandom.current().nextBoolean()) {
        Thread.onSpinWait();
      }
      CompletableFuture<Void> drained = gate.close();
      closeReturned.set(true);
      // What the exit handler would see when it goes on: every counted start has left.
      CompletableFuture<Boolean> allLeftAtDrain = drained.thenApply(v -> left.get() == counted.get());
      assertThat(allLeftAtDrain.get(30, TimeUnit.SECONDS)).as("round " + round).isTrue();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(countedAfterClose.get()).as("starts counted after init exited, round " + round).isZero();
      assertThat(left.get()).isEqualTo(counted.get());
    }
  }
}
