package dev.shim4j.runc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed access to the JSON runc prints (state, ps, events, log lines). Parsing and writing are
 * the shim library's {@link dev.shim4j.shim.bundle.Json}: objects are {@code Map<String,Object>},
 * arrays {@code List<Object>}, numbers {@code Long} (or BigInteger/Double). The accessors below
 * answer a zero value for a missing or differently typed field, because runc leaves fields out
 * when they are empty.
 */
public final class Json {
  private Json() {}

  /**
   * Parses one JSON value; anything after it but white space is an error. The tree is mutable
   * (callers edit a spec or process JSON before handing it back to runc).
   */
  public static Object parse(String text) {
    return mutable(dev.shim4j.shim.bundle.Json.parse(text));
  }

  /** Parses a JSON object, as a mutable tree; throws if the text is another kind of value. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    return (Map<String, Object>) mutable(dev.shim4j.shim.bundle.Json.parseObject(text));
  }

  private static Object mutable(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put((String) k, mutable(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(mutable(v)));
      return copy;
    }
    return value;
  }

  /** Writes maps, lists, strings, numbers, booleans and null as compact JSON. */
  public static String write(Object value) {
    return dev.shim4j.shim.bundle.Json.write(value);
  }

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
}
