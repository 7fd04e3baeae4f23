package dev.shim4j.shim.bundle;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON reader and writer, enough for OCI specs and containerd's small JSON
 * files (the JDK has none, and a dependency for this would be the shim's largest).
 *
 * <p>Values map to Java as: object → {@code Map<String, Object>} (insertion order, a repeated
 * key keeps its last value as Go does), array → {@code List<Object>}, string → String, number →
 * Long when it is an integer that fits, BigInteger when a larger integer, else Double; true/false
 * → Boolean; null → null. Maps and lists returned are unmodifiable.
 */
public final class Json {
  /** Deeper nesting than any spec needs; the limit keeps hostile input from overflowing the stack. */
  static final int MAX_DEPTH = 512;

  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value; anything but whitespace after it is an error. */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.skipWhitespace();
    Object value = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("unexpected data after the JSON value");
    }
    return value;
  }

  /** Parses text that must hold a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object value = parse(text);
    if (!(value instanceof Map<?, ?>)) {
      throw new JsonException("expected a JSON object, got " + typeName(value));
    }
    return (Map<String, Object>) value;
  }

  /** Compact JSON for a tree of the types {@link #parse} returns (any Number, null allowed). */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    writeValue(b, value, 0);
    return b.toString();
  }

  /** A malformed document, with the offset where reading stopped. */
  public static final class JsonException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    JsonException(String message) {
      super(message);
    }
  }

  static String typeName(Object value) {
    return switch (value) {
      case null -> "null";
      case Map<?, ?> _ -> "object";
      case List<?> _ -> "array";
      case String _ -> "string";
      case Number _ -> "number";
      case Boolean _ -> "boolean";
      default -> value.getClass().getSimpleName();
    };
  }

  // ---- reading

  private Object value(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
    if (pos >= text.length()) {
      throw error("unexpected end of input");
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw error("unexpected character " + describe(c));
      }
    };
  }

  private Map<String, Object> object(int depth) {
    pos++; // {
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return Collections.unmodifiableMap(map);
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      map.put(key, value(depth + 1));
      skipWhitespace();
      char c = next("',' or '}'");
      if (c == '}') {
        return Collections.unmodifiableMap(map);
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}' but found " + describe(c));
      }
    }
  }

  private List<Object> array(int depth) {
    pos++; // [
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return Collections.unmodifiableList(list);
    }
    while (true) {
      skipWhitespace();
      list.add(value(depth + 1));
      skipWhitespace();
      char c = next("',' or ']'");
      if (c == ']') {
        return Collections.unmodifiableList(list);
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']' but found " + describe(c));
      }
    }
  }

  private String string() {
    pos++; // opening quote
    StringBuilder b = null;
    int start = pos;
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos);
      if (c == '"') {
        String s = b == null ? text.substring(start, pos) : b.append(text, start, pos).toString();
        pos++;
        return s;
      }
      if (c < 0x20) {
        throw error("control character " + describe(c) + " in string");
      }
      if (c != '\\') {
        pos++;
        continue;
      }
      if (b == null) {
        b = new StringBuilder();
      }
      b.append(text, start, pos);
      pos++;
      char e = next("an escape");
      switch (e) {
        case '"' -> b.append('"');
        case '\\' -> b.append('\\');
        case '/' -> b.append('/');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> b.append(hex4());
        default -> {
          pos--;
          throw error("invalid escape \\" + e);
        }
      }
      start = pos;
    }
  }

  private char hex4() {
    if (pos + 4 > text.length()) {
      throw error("truncated \\u escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos + i), 16);
      if (d < 0) {
        throw error("invalid \\u escape");
      }
      v = v << 4 | d;
    }
    pos += 4;
    return (char) v;
  }

  private Number number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) {
        throw error("leading zero in number");
      }
    } else if (isDigit(peek())) {
      digits();
    } else {
      throw error("expected a digit");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("expected a digit after '.'");
      }
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("expected a digit in the exponent");
      }
      digits();
    }
    String literal = text.substring(start, pos);
    if (integral) {
      BigInteger big = new BigInteger(literal);
      return big.bitLength() < 64 ? (Number) big.longValue() : big;
    }
    double d = Double.parseDouble(literal);
    if (Double.isInfinite(d)) {
      throw error("number out of range: " + literal);
    }
    return d;
  }

  private void digits() {
    while (isDigit(peek())) {
      pos++;
    }
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error("invalid literal");
    }
    pos += word.length();
    return value;
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  /** The current character, or -1 at the end. */
  private int peek() {
    return pos < text.length() ? text.charAt(pos) : -1;
  }

  private char next(String expected) {
    if (pos >= text.length()) {
      throw error("unexpected end of input, expected " + expected);
    }
    return text.charAt(pos++);
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private JsonException error(String what) {
    return new JsonException("invalid JSON at offset " + pos + ": " + what);
  }

  private static String describe(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  // ---- writing

  private static void writeValue(StringBuilder b, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new JsonException("nesting deeper than " + MAX_DEPTH + " (a cycle?)");
    }
    // An if/instanceof chain, not a type switch: a type switch's bootstrap spins a class at its
    // first use (a millisecond or more of a cold JVM, and not kept by the AOT cache), and Create
    // writes options.json with this.
    if (value == null) {
      b.append("null");
    } else if (value instanceof String s) {
      writeString(b, s);
    } else if (value instanceof Boolean bool) {
      b.append(bool);
    } else if (value instanceof Double d) {
      writeDouble(b, d);
    } else if (value instanceof Float f) {
      writeDouble(b, f.doubleValue());
    } else if (value instanceof Number n) {
      b.append(n);
    } else if (value instanceof Map<?, ?> map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new JsonException("object keys must be strings, got " + typeName(e.getKey()));
        }
        if (!first) {
          b.append(',');
        }
        first = false;
        writeString(b, key);
        b.append(':');
        writeValue(b, e.getValue(), depth + 1);
      }
      b.append('}');
    } else if (value instanceof Iterable<?> list) {
      b.append('[');
      boolean first = true;
      for (Object item : list) {
        if (!first) {
          b.append(',');
        }
        first = false;
        writeValue(b, item, depth + 1);
      }
      b.append(']');
    } else {
      throw new JsonException("cannot write " + value.getClass().getName() + " as JSON");
    }
  }

  private static void writeDouble(StringBuilder b, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new JsonException("JSON has no " + d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      b.append((long) d); // 3.0 -> 3, as Go and JavaScript print it
    } else {
      b.append(d);
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static void writeString(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          // U+2028/2029 are legal JSON but break JavaScript consumers; Go escapes them too.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            b.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
