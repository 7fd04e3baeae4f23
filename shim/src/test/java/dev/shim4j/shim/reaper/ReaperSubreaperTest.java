package dev.shim4j.shim.reaper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.sys.Processes;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * As a child subreaper (like a shim) this JVM inherits orphaned grandchildren; their exits must
 * reach subscribers even though the reaper never spawned them. No ProcessBuilder here.
 */
class ReaperSubreaperTest {
  private static boolean wasSubreaper;

  @BeforeAll
  static void becomeSubreaper() throws Exception {
    wasSubreaper = Processes.isChildSubreaper();
    Processes.setChildSubreaper(true);
  }

  @AfterAll
  static void restore() throws Exception {
    Processes.setChildSubreaper(wasSubreaper);
  }

  @Test
  void subscribersSeeReparentedGrandchildren() throws Exception {
    Reaper reaper = Reaper.get();
    try (ExitSubscription exits = reaper.subscribe()) {
      // sh starts a background grandchild and exits at once, like runc leaving the container init
      CommandResult r = reaper.run(
          Command.of("sh", "-c", "sh -c 'sleep 0.5; exit 7' >/dev/null 2>&1 & echo $!"),
          new byte[0], Duration.ofSeconds(30));
      int grandchild = Integer.parseInt(r.stdoutText().trim());
      assertThat(Processes.getppid()).isNotEqualTo(grandchild);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      Exit seen = null;
      while (seen == null && System.nanoTime() < deadline) {
        var exit = exits.poll(Duration.ofSeconds(1));
        if (exit.isPresent() && exit.get().pid() == grandchild) {
          seen = exit.get();
        }
      }
      assertThat(seen).as("exit of reparented pid " + grandchild).isNotNull();
      assertThat(seen.status()).isEqualTo(7);
      assertThat(Set.of(seen.pid())).doesNotContain(r.status());
    }
  }
}
