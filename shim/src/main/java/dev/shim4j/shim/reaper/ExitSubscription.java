package dev.shim4j.shim.reaper;

import java.time.Duration;
import java.util.Optional;

/**
 * Every exit the reaper sees after {@link Reaper#subscribe()} was called, in reaping order.
 * Subscribe <em>before</em> spawning, or an exit can be reaped before you listen.
 */
public interface ExitSubscription extends AutoCloseable {
  Exit take() throws InterruptedException;

  Optional<Exit> poll(Duration timeout) throws InterruptedException;

  /** Stops delivery; exits are no longer queued for this subscriber. */
  @Override
  void close();
}
