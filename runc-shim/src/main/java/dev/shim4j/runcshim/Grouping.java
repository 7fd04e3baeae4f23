package dev.shim4j.runcshim;

import dev.shim4j.shim.bundle.OciSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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
  static final String RUNC_GROUP = dev.shim4j.shim.Grouping.GROUP_ANNOTATION;
  static final String CRI_SANDBOX = dev.shim4j.shim.Grouping.SANDBOX_ANNOTATION;
  static final String ENV = "SHIM4J_RUNC_GROUP";
  static final String NODE = "node";
  /** The node-wide group key; prefixed so that it reads as ours in the socket hash input. */
  static final String NODE_KEY = "shim4j-node-wide";

  private Grouping() {}

  static String groupKey(String id, Path bundle, Map<String, String> env) {
    Map<String, String> annotations = Map.of();
    try {
      annotations = OciSpec.read(bundle).annotations();
    } catch (IOException | IllegalArgumentException e) {
      // no readable spec: group by id
    }
    return groupKey(id, annotations, env);
  }

  static String groupKey(String id, Map<String, String> annotations, Map<String, String> env) {
    String explicit = annotations.getOrDefault(SHIM4J_GROUP, "");
    if (!explicit.isEmpty()) {
      return explicit.equals(NODE) ? NODE_KEY : explicit;
    }
    // Pods as containerd's runc shim groups them: the group annotation, then CRI's sandbox id.
    Optional<String> pod = dev.shim4j.shim.Grouping.fromAnnotations(annotations);
    if (pod.isPresent()) {
      return pod.get();
    }
    return NODE.equals(env.get(ENV)) ? NODE_KEY : id;
  }
}
