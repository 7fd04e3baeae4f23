package dev.shim4j.examples.wasm;

import dev.shim4j.testkit.PackagedShim;

/**
 * The one place the tests and the benchmark get the shim's binary: the launcher shim4j's Maven
 * plugin built in the package phase ({@code target/shim4j/bin/containerd-shim-wasm-v1}, with
 * shim4j-start and the AOT cache), so they run the shim as it ships.
 */
final class WasmShimLauncher {
  static final String NAME = "containerd-shim-wasm-v1";

  private WasmShimLauncher() {}

  /** The launcher's absolute path, for {@code ctr run --runtime}. */
  static String path() {
    return PackagedShim.launcher(NAME).toString();
  }
}
