package dev.shim4j.shim.log;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
  private final ZoneId zone;

  public LogrusFormat(ZoneId zone) {
    this.zone = zone;
  }

  /**
   * UTC: what ShimLogging uses. Local time (as Go's logrus prints) would load the time zone
   * database on the shim's first log line, tens of milliseconds of start-up for no information.
   */
  public static LogrusFormat utc() {
    return new LogrusFormat(ZoneOffset.UTC);
  }

  /** The system zone, as logrus prints local time. */
  public static LogrusFormat local() {
    return new LogrusFormat(ZoneId.systemDefault());
  }

  /** One line, newline included. */
  public String format(Instant time, System.Logger.Level level, String msg, Map<String, String> fields) {
    StringBuilder b = new StringBuilder(64 + msg.length());
    b.append("time=\"");
    appendTime(b, time);
    b.append('"');
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

  /**
   * containerd's RFC3339NanoFixed ("2006-01-02T15:04:05.000000000Z07:00"): always nine fraction
   * digits, so lines align. Written by hand: java.time's formatter costs start-up time.
   */
  private void appendTime(StringBuilder b, Instant time) {
    ZoneOffset offset = zone instanceof ZoneOffset fixed ? fixed : zone.getRules().getOffset(time);
    LocalDateTime t = LocalDateTime.ofEpochSecond(time.getEpochSecond(), time.getNano(), offset);
    pad(b, t.getYear(), 4).append('-');
    pad(b, t.getMonthValue(), 2).append('-');
    pad(b, t.getDayOfMonth(), 2).append('T');
    pad(b, t.getHour(), 2).append(':');
    pad(b, t.getMinute(), 2).append(':');
    pad(b, t.getSecond(), 2).append('.');
    pad(b, t.getNano(), 9);
    int seconds = offset.getTotalSeconds();
    if (seconds == 0) {
      b.append('Z');
    } else {
      b.append(seconds < 0 ? '-' : '+');
      int abs = Math.abs(seconds);
      pad(b, abs / 3600, 2).append(':');
      pad(b, abs / 60 % 60, 2);
    }
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(digits);
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
