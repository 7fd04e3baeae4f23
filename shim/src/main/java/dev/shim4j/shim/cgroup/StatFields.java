package dev.shim4j.shim.cgroup;

import com.google.protobuf.Message;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

/**
 * Copies "key value" cgroup tables into protobuf messages whose uint64 fields are named after the
 * keys (containerd's metrics protos are), with a few renames where the names differ.
 *
 * <p>Fields are found by their generated setters ({@code total_rss} → {@code setTotalRss(long)}),
 * not by descriptors: protobuf-java builds descriptors on first use, and a daemon that did so for
 * Stats would carry ~150 descriptor classes in its AOT cache, all loaded at every JVM start.
 * CgroupParsingTest checks the names against the descriptors of every metrics message.
 */
final class StatFields {
  /** A builder class's one-long setters by method name, looked up once per class. */
  private static final ClassValue<Map<String, Method>> SETTERS = new ClassValue<>() {
    @Override
    protected Map<String, Method> computeValue(Class<?> builder) {
      Map<String, Method> setters = new HashMap<>();
      for (Method m : builder.getMethods()) {
        if (m.getName().startsWith("set") && m.getParameterCount() == 1
            && m.getParameterTypes()[0] == long.class && !Modifier.isStatic(m.getModifiers())) {
          setters.put(m.getName(), m);
        }
      }
      return Map.copyOf(setters);
    }
  };

  private StatFields() {}

  static <B extends Message.Builder> B fill(B builder, Map<String, Long> table, Map<String, String> renames) {
    Map<String, Method> setters = SETTERS.get(builder.getClass());
    for (Map.Entry<String, Long> e : table.entrySet()) {
      Method setter = setters.get(setterName(renames.getOrDefault(e.getKey(), e.getKey())));
      if (setter != null) {
        try {
          setter.invoke(builder, e.getValue());
        } catch (IllegalAccessException | InvocationTargetException ex) {
          throw new IllegalStateException("cannot set " + e.getKey() + " on " + builder.getClass(), ex);
        }
      }
    }
    return builder;
  }

  /**
   * The setter protobuf-java generates for a field: "set", then the name in camel case, where a
   * letter after an underscore or a digit is upper case ({@code thp_fault_alloc} →
   * {@code setThpFaultAlloc}, {@code hugetlb_2mb_x} → {@code setHugetlb2MbX}).
   */
  static String setterName(String field) {
    StringBuilder b = new StringBuilder(field.length() + 3).append("set");
    boolean upper = true;
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '_') {
        upper = true;
      } else if (Character.isDigit(c)) {
        b.append(c);
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return b.toString();
  }
}
