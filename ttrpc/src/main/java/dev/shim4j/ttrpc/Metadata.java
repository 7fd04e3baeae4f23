package dev.shim4j.ttrpc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Call metadata: an immutable multimap with lower-case keys, sent as one {@code KeyValue} per
 * value. containerd puts the namespace under {@value #CONTAINERD_NAMESPACE}.
 */
public final class Metadata {
  public static final String CONTAINERD_NAMESPACE = "containerd-namespace-ttrpc";
  public static final Metadata EMPTY = new Metadata(Map.of());

  private final Map<String, List<String>> values;

  private Metadata(Map<String, List<String>> values) {
    this.values = values;
  }

  public static Metadata of(String key, String value) {
    return EMPTY.with(key, value);
  }

  /** A copy with {@code value} appended under {@code key} (lower-cased). */
  public Metadata with(String key, String value) {
    Map<String, List<String>> copy = new LinkedHashMap<>(values);
    List<String> list = new ArrayList<>(copy.getOrDefault(normalize(key), List.of()));
    list.add(value);
    copy.put(normalize(key), List.copyOf(list));
    return new Metadata(Collections.unmodifiableMap(copy));
  }

  /** The first value under {@code key}. */
  public Optional<String> get(String key) {
    List<String> list = values.get(normalize(key));
    return list == null || list.isEmpty() ? Optional.empty() : Optional.of(list.getFirst());
  }

  public List<String> getAll(String key) {
    return values.getOrDefault(normalize(key), List.of());
  }

  public Map<String, List<String>> asMap() {
    return values;
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  private static String normalize(String key) {
    return key.toLowerCase(Locale.ROOT);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metadata m && m.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
