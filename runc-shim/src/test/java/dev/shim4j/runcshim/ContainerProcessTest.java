package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.types.task.Status;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The state of one process: an exit is final, whatever a concurrent Start or Pause writes. */
class ContainerProcessTest {
  @Test
  void aStatusWrittenAfterTheExitDoesNotReviveTheProcess() {
    ContainerProcess p = new ContainerProcess("c", "", null, null);
    assertThat(p.markExited(0, Instant.now())).isTrue();
    p.status(Status.RUNNING);
    assertThat(p.status()).isEqualTo(Status.STOPPED);
    assertThat(p.markExited(1, Instant.now())).as("the first exit is the true one").isFalse();
    assertThat(p.exitStatus()).isZero();
  }

  /**
   * The race itself, made deterministic: while an exit is being recorded (markExited holds the
   * process's lock), Start's write of RUNNING must wait for it rather than land in between.
   */
  @Test
  void startsWriteWaitsForAnExitBeingRecorded() throws Exception {
    ContainerProcess p = new ContainerProcess("c", "", null, null);
    Thread starter;
    synchronized (p) {
      starter = Thread.ofPlatform().start(() -> p.status(Status.RUNNING));
      while (starter.isAlive() && starter.getState() != Thread.State.BLOCKED) {
        Thread.onSpinWait();
      }
      assertThat(starter.getState()).as("Start's write while the exit is recorded")
          .isEqualTo(Thread.State.BLOCKED);
      p.markExited(0, Instant.now());
    }
    starter.join();
    assertThat(p.status()).isEqualTo(Status.STOPPED);
  }
}
