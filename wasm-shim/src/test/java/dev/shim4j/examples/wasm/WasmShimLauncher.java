package dev.shim4j.examples.wasm;

import dev.shim4j.testkit.Launchers;
import java.nio.file.Path;
import java.util.List;

/**
 * The one place the tests and the benchmark get the shim's binary: a launcher script the testkit
 * writes for the main class on the module's runtime classpath. Once shim4j's Maven plugin builds
 * launchers ({@code target/shim4j/bin/containerd-shim-wasm-v1}), this returns that file instead.
 */
final class WasmShimLauncher {
  static final String NAME = "containerd-shim-wasm-v1";

  private WasmShimLauncher() {}

  /** The launcher's absolute path, for {@code ctr run --runtime}. */
  static String path() {
    return write(Path.of("target", "launchers"));
  }

  /**
   * Writes the launcher into {@code dir}; its absolute path. The serial collector, as shim4j's
   * distribution runs its daemons: one small heap shared by many small instances.
   */
  static String write(Path dir) {
    return Launchers.write(dir.toAbsolutePath(), NAME, WasmShim.class.getName(), List.of("-XX:+UseSerialGC")).toString();
  }
}
