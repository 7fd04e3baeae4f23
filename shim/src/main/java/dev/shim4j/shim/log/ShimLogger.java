package dev.shim4j.shim.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * A {@link System.Logger} that formats with {@link LogrusFormat} and writes via {@link ShimLogging}.
 * A logged throwable becomes an {@code error} field (as logrus' WithError), plus a {@code stack}
 * field when debug logging is on.
 */
final class ShimLogger implements System.Logger {
  private final String name;
  private final boolean platform;

  ShimLogger(String name, boolean platform) {
    this.name = name;
    this.platform = platform;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public boolean isLoggable(Level level) {
    if (platform && level.getSeverity() < Level.WARNING.getSeverity()) {
      return false;
    }
    return ShimLogging.isEnabled(level);
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    if (!isLoggable(level)) {
      return;
    }
    ShimLogging.emit(level, localized(bundle, msg), errorFields(thrown));
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    if (!isLoggable(level)) {
      return;
    }
    String pattern = localized(bundle, format);
    String msg = params == null || params.length == 0 ? pattern : formatSafely(pattern, params);
    Throwable thrown = params != null && params.length > 0 && params[params.length - 1] instanceof Throwable t
        ? t : null;
    ShimLogging.emit(level, msg, errorFields(thrown));
  }

  @Override
  public void log(Level level, Supplier<String> msgSupplier) {
    if (isLoggable(level)) {
      ShimLogging.emit(level, String.valueOf(msgSupplier.get()), Map.of());
    }
  }

  @Override
  public void log(Level level, Supplier<String> msgSupplier, Throwable thrown) {
    if (isLoggable(level)) {
      ShimLogging.emit(level, String.valueOf(msgSupplier.get()), errorFields(thrown));
    }
  }

  private static String formatSafely(String pattern, Object[] params) {
    try {
      return new MessageFormat(pattern).format(params);
    } catch (IllegalArgumentException e) {
      // A message with a stray '{' is still worth seeing.
      return pattern;
    }
  }

  private static String localized(ResourceBundle bundle, String msg) {
    if (msg == null) {
      return "";
    }
    if (bundle != null && bundle.containsKey(msg)) {
      return bundle.getString(msg);
    }
    return msg;
  }

  private static Map<String, String> errorFields(Throwable thrown) {
    if (thrown == null) {
      return Map.of();
    }
    String error = thrown.getMessage() != null ? thrown.getMessage() : thrown.toString();
    if (!ShimLogging.isEnabled(Level.DEBUG)) {
      return Map.of("error", error);
    }
    StringWriter trace = new StringWriter();
    thrown.printStackTrace(new PrintWriter(trace));
    return Map.of("error", error, "stack", trace.toString().strip());
  }
}
