package dev.shim4j.dist.bench;

import java.nio.file.Path;

/** A shim binary under test, with the name the report uses for it. */
record BenchShim(String name, Path binary) {
  /** Parses {@code NAME=PATH}. */
  static BenchShim parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("expected NAME=PATH, got " + spec);
    }
    return new BenchShim(spec.substring(0, eq), Path.of(spec.substring(eq + 1)));
  }
}
