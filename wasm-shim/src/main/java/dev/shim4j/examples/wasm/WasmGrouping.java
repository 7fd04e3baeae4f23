package dev.shim4j.examples.wasm;

import dev.shim4j.shim.Grouping;
import dev.shim4j.shim.bundle.OciSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which daemon serves a container. A wasm instance has no kernel isolation of its own to lose by
 * sharing a process (it is memory-safe code on a thread of the daemon either way), and a daemon
 * costs a JVM, so by default every wasm container of a containerd namespace shares one daemon
 * (the socket's hash already includes the namespace). A pod or an explicit group
 * ({@code io.containerd.runc.v2.group}, CRI's sandbox id, as containerd's runc shim groups) gets
 * a daemon of its own: that is how a user keeps a workload out of the shared daemon's heap and
 * fate (one instance that exhausts the heap takes its daemon's other instances with it).
 */
final class WasmGrouping {
  /** The namespace-wide group; prefixed so that it reads as ours in the socket hash input. */
  static final String NAMESPACE_KEY = "shim4j-wasm-namespace";

  private WasmGrouping() {}

  static String groupKey(Path bundle) {
    Map<String, String> annotations = Map.of();
    try {
      annotations = OciSpec.read(bundle).annotations();
    } catch (IOException | IllegalArgumentException e) {
      // no readable spec: Create will refuse it; the shared daemon answers that
    }
    return groupKey(annotations);
  }

  static String groupKey(Map<String, String> annotations) {
    return Grouping.fromAnnotations(annotations).map(g -> "pod:" + g).orElse(NAMESPACE_KEY);
  }
}
