package dev.shim4j.shim.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a shim needs from a bundle's {@code config.json} (the OCI runtime spec): annotations,
 * whether the process has a terminal, the namespaces, the cgroups path and the root. The rest of
 * the spec is runc's business; {@link #raw()} keeps the whole document for anyone who needs more.
 */
public record OciSpec(
    Map<String, String> annotations,
    boolean terminal,
    List<Namespace> namespaces,
    String cgroupsPath,
    String rootPath,
    boolean rootReadonly,
    Map<String, Object> raw) {

  /** A {@code linux.namespaces} entry: a type ("pid", "network", ...) and a path to join, or "". */
  public record Namespace(String type, String path) {}

  public OciSpec {
    annotations = Map.copyOf(annotations);
    namespaces = List.copyOf(namespaces);
  }

  /** Reads {@code <bundle>/config.json}. */
  public static OciSpec read(Path bundle) throws IOException {
    Path config = bundle.resolve("config.json");
    try {
      return parse(Files.readString(config));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(config + ": " + e.getMessage(), e);
    }
  }

  public static OciSpec parse(String json) {
    Map<String, Object> root = Json.parseObject(json);
    Map<String, String> annotations = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object(root, "annotations").entrySet()) {
      if (!(e.getValue() instanceof String v)) {
        throw new IllegalArgumentException("annotation " + e.getKey() + " must be a string");
      }
      annotations.put(e.getKey(), v);
    }
    Map<String, Object> process = object(root, "process");
    Map<String, Object> linux = object(root, "linux");
    List<Namespace> namespaces = new ArrayList<>();
    for (Object item : array(linux, "namespaces")) {
      if (!(item instanceof Map<?, ?> ns)) {
        throw new IllegalArgumentException("linux.namespaces entries must be objects");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> entry = (Map<String, Object>) ns;
      namespaces.add(new Namespace(string(entry, "type"), string(entry, "path")));
    }
    Map<String, Object> rootFs = object(root, "root");
    return new OciSpec(annotations, bool(process, "terminal"), namespaces, string(linux, "cgroupsPath"),
        string(rootFs, "path"), bool(rootFs, "readonly"), root);
  }

  /**
   * True when the container gets a new PID namespace of its own (a "pid" entry without a path).
   * Without one, its processes live in a shared namespace and a shim must kill them all itself
   * when the init process exits.
   */
  public boolean hasOwnPidNamespace() {
    return namespaces.stream().anyMatch(ns -> ns.type().equals("pid") && ns.path().isEmpty());
  }

  /** The rootfs directory: {@code root.path}, relative paths taken from the bundle. */
  public Path rootfs(Path bundle) {
    String path = rootPath.isEmpty() ? "rootfs" : rootPath;
    return bundle.resolve(path);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(key + " must be an object, not " + Json.typeName(v));
    }
    return (Map<String, Object>) v;
  }

  private static List<?> array(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new IllegalArgumentException(key + " must be an array, not " + Json.typeName(v));
    }
    return list;
  }

  private static String string(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    if (v == null) {
      return "";
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(key + " must be a string, not " + Json.typeName(v));
    }
    return s;
  }

  private static boolean bool(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException(key + " must be a boolean, not " + Json.typeName(v));
    }
    return b;
  }
}
