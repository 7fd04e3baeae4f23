package dev.shim4j.runcshim;

import dev.shim4j.runc.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which daemon serves a container: the group key hashed into the shim's socket address. Like
 * containerd-shim-runc-v2, containers of one pod share a daemon ({@code io.containerd.runc.v2.group},
 * then CRI's {@code io.kubernetes.cri.sandbox-id}). On top, a node-wide mode puts every container
 * of the namespace in one daemon, so memory does not grow with a JVM per container. It is chosen
 * per container by the annotation {@code dev.shim4j.group=node} (any other value is an explicit
 * group name), or for every container by {@code SHIM4J_RUNC_GROUP=node} in containerd's
 * environment (the shim inherits it).
 */
final class Grouping {
  static final String SHIM4J_GROUP = "dev.shim4j.group";
  static final String RUNC_GROUP = "io.containerd.runc.v2.group";
  static final String CRI_SANDBOX = "io.kubernetes.cri.sandbox-id";
  static final String ENV = "SHIM4J_RUNC_GROUP";
  static final String NODE = "node";
  /** The node-wide group key (distinct from any container id containerd allows? ids allow this too, so prefix). */
  static final String NODE_KEY = "shim4j-node-wide";

  private Grouping() {}

  static String groupKey(String id, Path bundle, Map<String, String> env) {
    Map<String, Object> annotations = Map.of();
    try {
      annotations = Json.object(Json.parseObject(Files.readString(bundle.resolve("config.json"))), "annotations");
    } catch (IOException | IllegalArgumentException e) {
      // no readable spec: group by id
    }
    return groupKey(id, annotations, env);
  }

  static String groupKey(String id, Map<String, Object> annotations, Map<String, String> env) {
    String explicit = str(annotations.get(SHIM4J_GROUP));
    if (!explicit.isEmpty()) {
      return explicit.equals(NODE) ? NODE_KEY : explicit;
    }
    String pod = str(annotations.get(RUNC_GROUP));
    if (!pod.isEmpty()) {
      return pod;
    }
    String sandbox = str(annotations.get(CRI_SANDBOX));
    if (!sandbox.isEmpty()) {
      return sandbox;
    }
    if (NODE.equals(env.get(ENV))) {
      return NODE_KEY;
    }
    return id;
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }
}
