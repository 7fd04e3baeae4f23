package dev.shim4j.runc;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The output of {@code runc state}: the OCI state of a container. */
public record RuncState(
    String id,
    int pid,
    String status,
    String bundle,
    String rootfs,
    Instant created,
    Map<String, String> annotations) {

  static RuncState parse(String json) {
    Map<String, Object> m = Json.parseObject(json);
    Map<String, String> ann = new LinkedHashMap<>();
    Json.object(m, "annotations").forEach((k, v) -> ann.put(k, String.valueOf(v)));
    Instant created = null;
    String c = Json.string(m, "created");
    if (!c.isEmpty()) {
      try {
        created = Instant.parse(c);
      } catch (DateTimeParseException ignored) {
        // runc always writes RFC 3339; a different format is not worth failing state for.
      }
    }
    return new RuncState(
        Json.string(m, "id"),
        (int) Json.number(m, "pid"),
        Json.string(m, "status"),
        Json.string(m, "bundle"),
        Json.string(m, "rootfs"),
        created,
        Map.copyOf(ann));
  }
}
