package dev.shim4j.shim.log;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

/**
 * Formats one log entry the way logrus' TextFormatter does without a terminal, because containerd
 * copies the shim's {@code log} FIFO into its own log and people read both side by side:
 * {@code time="2026-01-02T03:04:05.000000000Z" level=info msg="hello world" key=value}. Fields
 * follow msg sorted by key; a value is quoted with Go's {@code %q} rules when it holds anything but
 * letters, digits and {@code -._/@^+}.
 */
public final class LogrusFormat {
  /** containerd's RFC3339NanoFixed: always nine fraction digits, so lines align. */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX");

  private final ZoneId zone;

  public LogrusFormat(ZoneId zone) {
    this.zone = zone;
  }

  /** The system zone, as logrus prints local time. */
  public static LogrusFormat local() {
    return new LogrusFormat(ZoneId.systemDefault());
  }

  /** One line, newline included. */
  public String format(Instant time, System.Logger.Level level, String msg, Map<String, String> fields) {
    StringBuilder b = new StringBuilder(64 + msg.length());
    b.append("time=\"").append(TIME.format(time.atZone(zone))).append('"');
    b.append(" level=").append(levelName(level));
    b.append(" msg=");
    appendValue(b, msg);
    if (!fields.isEmpty()) {
      for (Map.Entry<String, String> e : new TreeMap<>(fields).entrySet()) {
        b.append(' ');
        appendValue(b, e.getKey());
        b.append('=');
        appendValue(b, e.getValue() == null ? "<nil>" : e.getValue());
      }
    }
    return b.append('\n').toString();
  }

  /** logrus' level names ("warning", not "warn"). */
  public static String levelName(System.Logger.Level level) {
    return switch (level) {
      case ALL, TRACE -> "trace";
      case DEBUG -> "debug";
      case INFO -> "info";
      case WARNING -> "warning";
      case ERROR, OFF -> "error";
    };
  }

  static void appendValue(StringBuilder b, String value) {
    if (needsQuoting(value)) {
      GoQuote.append(b, value);
    } else {
      b.append(value);
    }
  }

  /** As logrus with QuoteEmptyFields off: an empty value stays bare ({@code msg=}). */
  static boolean needsQuoting(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
      if (!plain) {
        return true;
      }
    }
    return false;
  }
}
