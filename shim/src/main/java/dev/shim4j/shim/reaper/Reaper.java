package dev.shim4j.shim.reaper;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The one owner of a shim's children. A platform thread waits in {@code waitpid(-1)} and routes
 * each exit to the future of the child it spawned and to every subscriber (runc's container
 * processes are reparented to the shim, a child subreaper, so they arrive here too). Nothing in a
 * shim process may use ProcessBuilder or Runtime.exec: their waits would race this one.
 */
public final class Reaper {
  private Reaper() {}

  /** The process-wide reaper, started on first use. */
  public static Reaper get() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Every exit reaped from now on. Subscribe before spawning what you want to see exit. */
  public ExitSubscription subscribe() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Spawns a child (posix_spawn through sys); its exit completes {@link Child#exit()}. */
  public Child spawn(Command command) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * Spawns, writes {@code stdin} (may be empty) to a piped stdin, captures stdout and stderr, and
   * waits for the exit. On timeout the child is killed with SIGKILL and TimeoutException thrown.
   */
  public CommandResult run(Command command, byte[] stdin, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
