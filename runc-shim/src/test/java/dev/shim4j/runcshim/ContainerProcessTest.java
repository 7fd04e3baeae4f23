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
}
