package dev.shim4j.examples.guide;

import dev.shim4j.shim.bundle.OciSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code process} of a bundle's {@code config.json}: its arguments and environment. */
final class ProcessSpec {
  private ProcessSpec() {}

  /** {@code process.args}. */
  static List<String> args(Path bundle) throws IOException {
    return strings(process(bundle).get("args"));
  }

  /** {@code process.env} ({@code NAME=value} entries) as a map. */
  static Map<String, String> env(Path bundle) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : strings(process(bundle).get("env"))) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return env;
  }

  private static Map<?, ?> process(Path bundle) throws IOException {
    if (!(OciSpec.read(bundle).raw().get("process") instanceof Map<?, ?> process)) {
      throw new IOException("config.json of " + bundle + " has no process");
    }
    return process;
  }

  private static List<String> strings(Object value) throws IOException {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw new IOException("config.json: expected a list of strings, got " + value);
    }
    return list.stream().map(String.class::cast).toList();
  }
}
