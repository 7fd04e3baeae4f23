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

  /** Creates the defaults: logging set up by the bootstrap at INFO, reaper and subreaper on. */
  public Config() {}

  /**
   * True: the shim configures logging itself; the bundle's {@code log} FIFO is left alone.
   *
   * @return true when the shim configures logging itself
   */
  public boolean noSetupLogger() {
    return noSetupLogger;
  }

  /**
   * Sets {@link #noSetupLogger()}.
   *
   * @param value true: the shim configures logging itself
   * @return this config
   */
  public Config noSetupLogger(boolean value) {
    noSetupLogger = value;
    return this;
  }

  /**
   * The level logged at unless containerd passes {@code -debug}. INFO unless set.
   *
   * @return the level used without {@code -debug}
   */
  public Level defaultLogLevel() {
    return defaultLogLevel;
  }

  /**
   * Sets {@link #defaultLogLevel()}.
   *
   * @param level the level logged at without {@code -debug}
   * @return this config
   */
  public Config defaultLogLevel(Level level) {
    defaultLogLevel = Objects.requireNonNull(level);
    return this;
  }

  /**
   * True: no reaper thread; the shim spawns no children, or owns their waits itself.
   *
   * @return true when no reaper runs
   */
  public boolean noReaper() {
    return noReaper;
  }

  /**
   * Sets {@link #noReaper()}.
   *
   * @param value true: no reaper thread
   * @return this config
   */
  public Config noReaper(boolean value) {
    noReaper = value;
    return this;
  }

  /**
   * True: the daemon does not become a child subreaper (orphans go to init, not to us).
   *
   * @return true when the daemon is no subreaper
   */
  public boolean noSubreaper() {
    return noSubreaper;
  }

  /**
   * Sets {@link #noSubreaper()}.
   *
   * @param value true: the daemon is no child subreaper
   * @return this config
   */
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
