package dev.shim4j.shim;

import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * Choices a shim makes while it is being created ({@link ShimContext#config()}), read by the
 * bootstrap before it serves. The defaults suit a shim that runs containers.
 */
public final class Config {
  private boolean noSetupLogger;
  private Level defaultLogLevel = Level.INFO;
  private boolean noReaper;
  private boolean noSubreaper;

  /** True: the shim configures logging itself; the bundle's {@code log} FIFO is left alone. */
  public boolean noSetupLogger() {
    return noSetupLogger;
  }

  public Config noSetupLogger(boolean value) {
    noSetupLogger = value;
    return this;
  }

  /** The level logged at unless containerd passes {@code -debug}. INFO unless set. */
  public Level defaultLogLevel() {
    return defaultLogLevel;
  }

  public Config defaultLogLevel(Level level) {
    defaultLogLevel = Objects.requireNonNull(level);
    return this;
  }

  /** True: no reaper thread; the shim spawns no children, or owns their waits itself. */
  public boolean noReaper() {
    return noReaper;
  }

  public Config noReaper(boolean value) {
    noReaper = value;
    return this;
  }

  /** True: the daemon does not become a child subreaper (orphans go to init, not to us). */
  public boolean noSubreaper() {
    return noSubreaper;
  }

  public Config noSubreaper(boolean value) {
    noSubreaper = value;
    return this;
  }

  @Override
  public String toString() {
    return "Config[noSetupLogger=" + noSetupLogger + ", defaultLogLevel=" + defaultLogLevel
        + ", noReaper=" + noReaper + ", noSubreaper=" + noSubreaper + "]";
  }
}
