package dev.shim4j.runc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON reader and writer runc's output needs (state, ps, events, log lines). Objects
 * become {@code Map<String,Object>} (insertion ordered), arrays {@code List<Object>}, numbers
 * {@code Long} when integral and {@code Double} otherwise. The JDK has no JSON and the house
 * rules allow no extra dependency, so this stays deliberately minimal.
 */
public final class Json {
  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value; trailing whitespace is allowed, anything else is an error. */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.skipWs();
    Object v = p.value();
    p.skipWs();
    if (p.pos != text.length()) {
      throw p.error("trailing characters");
    }
    return v;
  }

  /** Parses a JSON object; throws if the text is another kind of value. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) {
      throw new IllegalArgumentException("expected a JSON object: " + abbreviate(text));
    }
    return (Map<String, Object>) v;
  }

  /** Writes maps, lists, strings, numbers, booleans and null as compact JSON. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  // ---- typed access helpers for parsed trees ----

  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Map<String, Object> m, String key) {
    Object v = m == null ? null : m.get(key);
    return v instanceof Map ? (Map<String, Object>) v : Map.of();
  }

  @SuppressWarnings("unchecked")
  public static List<Object> array(Map<String, Object> m, String key) {
    Object v = m == null ? null : m.get(key);
    return v instanceof List ? (List<Object>) v : List.of();
  }

  public static long number(Map<String, Object> m, String key) {
    Object v = m == null ? null : m.get(key);
    return v instanceof Number n ? n.longValue() : 0L;
  }

  public static String string(Map<String, Object> m, String key) {
    Object v = m == null ? null : m.get(key);
    return v instanceof String s ? s : "";
  }

  public static boolean bool(Map<String, Object> m, String key) {
    return m != null && Boolean.TRUE.equals(m.get(key));
  }

  static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  // ---- reader ----

  private Object value() {
    if (pos >= text.length()) {
      throw error("unexpected end");
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> objectValue();
      case '[' -> arrayValue();
      case '"' -> stringValue();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield numberValue();
        }
        throw error("unexpected character '" + c + "'");
      }
    };
  }

  private Map<String, Object> objectValue() {
    Map<String, Object> m = new LinkedHashMap<>();
    pos++;
    skipWs();
    if (peek() == '}') {
      pos++;
      return m;
    }
    while (true) {
      skipWs();
      if (peek() != '"') {
        throw error("expected a key");
      }
      String key = stringValue();
      skipWs();
      expect(':');
      skipWs();
      m.put(key, value());
      skipWs();
      char c = next();
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private List<Object> arrayValue() {
    List<Object> l = new ArrayList<>();
    pos++;
    skipWs();
    if (peek() == ']') {
      pos++;
      return l;
    }
    while (true) {
      skipWs();
      l.add(value());
      skipWs();
      char c = next();
      if (c == ']') {
        return l;
      }
      if (c != ',') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private String stringValue() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 > text.length()) {
            throw error("bad \\u escape");
          }
          sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          pos += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private Number numberValue() {
    int start = pos;
    boolean integral = true;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '.' || c == 'e' || c == 'E') {
        integral = false;
      } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
        break;
      }
      pos++;
    }
    String n = text.substring(start, pos);
    try {
      if (integral) {
        try {
          return Long.parseLong(n);
        } catch (NumberFormatException tooBig) {
          // uint64 counters above Long.MAX_VALUE: keep the bits, as Go's uint64 would.
          return Long.parseUnsignedLong(n);
        }
      }
      return Double.parseDouble(n);
    } catch (NumberFormatException e) {
      throw error("bad number " + n);
    }
  }

  private Object literal(String word, Object v) {
    if (!text.startsWith(word, pos)) {
      throw error("expected " + word);
    }
    pos += word.length();
    return v;
  }

  private void skipWs() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end");
    }
    return text.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      pos--;
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(
        "bad JSON at offset " + pos + ": " + what + " in " + abbreviate(text));
  }

  // ---- writer ----

  private static void write(StringBuilder sb, Object v) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> writeString(sb, s);
      case Boolean b -> sb.append(b);
      case Double d when d.isNaN() || d.isInfinite() -> sb.append("null");
      case Number n -> sb.append(n);
      case Map<?, ?> m -> {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          writeString(sb, String.valueOf(e.getKey()));
          sb.append(':');
          write(sb, e.getValue());
        }
        sb.append('}');
      }
      case Iterable<?> it -> {
        sb.append('[');
        boolean first = true;
        for (Object o : it) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          write(sb, o);
        }
        sb.append(']');
      }
      default -> throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
    }
  }

  private static void writeString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
