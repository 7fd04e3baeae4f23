package dev.shim4j.runc;

import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.CommandResult;
import dev.shim4j.shim.reaper.Reaper;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * How {@link Runc} starts runc. In a shim this is always the {@link Reaper}: it owns every child,
 * and a second waiter would steal exit codes. The seam exists so argv construction and output
 * parsing can be unit-tested without a running reaper.
 */
public interface CommandRunner {
  /** Runs to completion with piped stdin/stdout/stderr; kills and throws on timeout. */
  CommandResult run(Command command, byte[] stdin, Duration timeout)
      throws IOException, InterruptedException, TimeoutException;

  /** Spawns with the command's own stdio; the exit arrives on {@link Child#exit()}. */
  Child spawn(Command command) throws IOException;

  /** The shim process's reaper. */
  static CommandRunner reaper() {
    return new CommandRunner() {
      @Override
      public CommandResult run(Command command, byte[] stdin, Duration timeout)
          throws IOException, InterruptedException, TimeoutException {
        return Reaper.get().run(command, stdin, timeout);
      }

      @Override
      public Child spawn(Command command) throws IOException {
        return Reaper.get().spawn(command);
      }
    };
  }
}
