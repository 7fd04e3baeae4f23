package dev.shim4j.shim.log;

/**
 * The JDK's LoggerFinder for a shim process (registered in
 * META-INF/services/java.lang.System$LoggerFinder), so that {@code System.getLogger(name)}
 * anywhere, JDK internals included, writes logrus lines where {@link ShimLogging} says.
 */
public final class ShimLoggerFinder extends System.LoggerFinder {
  public ShimLoggerFinder() {}

  @Override
  public System.Logger getLogger(String name, Module module) {
    return new ShimLogger(name, isPlatform(module));
  }

  /** The JDK's own modules talk a lot at debug level; they get WARNING and above only. */
  private static boolean isPlatform(Module module) {
    if (module == null || !module.isNamed()) {
      return false;
    }
    String name = module.getName();
    return name.startsWith("java.") || name.startsWith("jdk.");
  }
}
