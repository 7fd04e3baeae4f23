package dev.shim4j.runcshim;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.shim4j.api.runc.options.Options;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * runc options written as TOML. containerd passes a runtime it does not know as runc its options
 * as {@code runtimeoptions.v1.Options}: the CRI plugin names a file ({@code ConfigPath}) or, in
 * containerds that have {@code config_body}, sends the runtime's {@code options} table itself; and
 * {@code ctr run --runtime-config-path FILE} names a file. Without this, a node could not give
 * runc4j what it gives runc: {@code SystemdCgroup}, {@code BinaryName}, {@code ShimCgroup}...
 *
 * <p>Keys are the options' names as CRI's runc table spells them ({@code SystemdCgroup}) or as the
 * proto does ({@code systemd_cgroup}): case and underscores do not matter. A key of no runc option
 * is skipped and reported (the body also carries {@code TypeUrl}, and a file may be shared with
 * other tools). TOML that this reader does not take (tables, arrays, floats, dates, dotted keys)
 * and a value of the wrong type are errors that name the line: options are not guessed.
 */
final class RuncOptionsToml {
  /** The options read, and the keys that named no runc option. */
  record Parsed(Options options, List<String> skippedKeys) {}

  private static final Map<String, FieldDescriptor> FIELDS = new HashMap<>();

  static {
    for (FieldDescriptor field : Options.getDescriptor().getFields()) {
      FIELDS.put(normalized(field.getName()), field);
    }
  }

  private RuncOptionsToml() {}

  /** Reads {@code toml}; {@code source} (a path, "config_body") names it in errors. */
  static Parsed parse(String toml, String source) {
    Options.Builder options = Options.newBuilder();
    List<String> skipped = new ArrayList<>();
    Map<String, String> seen = new HashMap<>(); // normalized -> as written
    String[] lines = toml.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Line line = new Line(lines[i], source, i + 1);
      line.skipSpace();
      if (line.atEnd()) {
        continue;
      }
      if (line.peek() == '[') {
        throw line.error("tables are not supported: write the runc options as top-level keys");
      }
      String key = line.key();
      line.skipSpace();
      line.expect('=');
      line.skipSpace();
      Object value = line.value();
      line.skipSpace();
      if (!line.atEnd()) {
        throw line.error("unexpected text after the value of " + key);
      }
      String earlier = seen.putIfAbsent(normalized(key), key);
      if (earlier != null) {
        throw line.error(key.equals(earlier) ? key + " is set twice" : key + " sets " + earlier + " again");
      }
      FieldDescriptor field = FIELDS.get(normalized(key));
      if (field == null) {
        skipped.add(key);
        continue;
      }
      options.setField(field, line.convert(key, value, field));
    }
    return new Parsed(options.build(), List.copyOf(skipped));
  }

  private static String normalized(String key) {
    return key.replace("_", "").toLowerCase(Locale.ROOT);
  }

  /** One line of the file, read left to right. */
  private static final class Line {
    private final String text;
    private final String source;
    private final int number;
    private int at;

    Line(String text, String source, int number) {
      this.text = text;
      this.source = source;
      this.number = number;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException(source + " line " + number + ": " + what);
    }

    void skipSpace() {
      while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
        at++;
      }
      if (at < text.length() && text.charAt(at) == '#') {
        at = text.length(); // a comment runs to the end of the line
      }
    }

    boolean atEnd() {
      return at >= text.length();
    }

    char peek() {
      return text.charAt(at);
    }

    void expect(char c) {
      if (atEnd() || peek() != c) {
        throw error("expected '" + c + "'" + (atEnd() ? " at the end of the line" : " at '" + rest() + "'"));
      }
      at++;
    }

    String key() {
      if (peek() == '"' || peek() == '\'') {
        return string();
      }
      int start = at;
      while (!atEnd() && isBareKeyChar(peek())) {
        at++;
      }
      if (at == start) {
        throw error("expected a key at '" + rest() + "'");
      }
      if (!atEnd() && peek() == '.') {
        throw error("dotted keys are not supported");
      }
      return text.substring(start, at);
    }

    Object value() {
      if (atEnd()) {
        throw error("a value is missing");
      }
      char c = peek();
      if (c == '"' || c == '\'') {
        return string();
      }
      int start = at;
      while (!atEnd() && peek() != ' ' && peek() != '\t' && peek() != '#') {
        at++;
      }
      String word = text.substring(start, at);
      if (word.equals("true") || word.equals("false")) {
        return Boolean.valueOf(word);
      }
      if (word.matches("[+-]?(0|[1-9](_?[0-9])*)")) {
        return Long.valueOf(word.replace("_", ""));
      }
      throw error("unsupported value '" + word + "' (strings, booleans and integers are)");
    }

    /** A basic ("...", with escapes) or literal ('...') string; a multi-line one is not taken. */
    private String string() {
      char quote = peek();
      if (text.startsWith(String.valueOf(quote).repeat(3), at)) {
        throw error("multi-line strings are not supported");
      }
      at++;
      StringBuilder s = new StringBuilder();
      while (!atEnd() && peek() != quote) {
        char c = text.charAt(at++);
        if (c == '\\' && quote == '"') {
          s.appendCodePoint(escape());
        } else {
          s.append(c);
        }
      }
      if (atEnd()) {
        throw error("a string is not closed");
      }
      at++;
      return s.toString();
    }

    private int escape() {
      if (atEnd()) {
        throw error("a string is not closed");
      }
      char c = text.charAt(at++);
      return switch (c) {
        case 'b' -> '\b';
        case 't' -> '\t';
        case 'n' -> '\n';
        case 'f' -> '\f';
        case 'r' -> '\r';
        case '"' -> '"';
        case '\\' -> '\\';
        case 'u' -> unicode(4);
        case 'U' -> unicode(8);
        default -> throw error("unknown escape \\" + c);
      };
    }

    private int unicode(int digits) {
      if (at + digits > text.length()) {
        throw error("a \\u escape needs " + digits + " hex digits");
      }
      String hex = text.substring(at, at + digits);
      at += digits;
      try {
        int code = Integer.parseInt(hex, 16);
        if (!Character.isValidCodePoint(code)) {
          throw error("\\u" + hex + " is no Unicode code point");
        }
        return code;
      } catch (NumberFormatException e) {
        throw error("a \\u escape needs " + digits + " hex digits, not '" + hex + "'");
      }
    }

    Object convert(String key, Object value, FieldDescriptor field) {
      return switch (field.getJavaType()) {
        case BOOLEAN -> {
          if (value instanceof Boolean b) {
            yield b;
          }
          throw error(key + " takes true or false, not " + shown(value));
        }
        case STRING -> {
          if (value instanceof String s) {
            yield s;
          }
          throw error(key + " takes a string, not " + shown(value));
        }
        case INT -> {
          if (value instanceof Long n && n >= 0 && n <= 0xFFFF_FFFFL) {
            yield (int) n.longValue(); // uint32, as protobuf-java holds it
          }
          throw error(key + " takes a whole number from 0 to 4294967295, not " + shown(value));
        }
        default -> throw error(key + " cannot be set from TOML");
      };
    }

    private static String shown(Object value) {
      return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static boolean isBareKeyChar(char c) {
      return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private String rest() {
      return text.substring(at);
    }
  }
}
