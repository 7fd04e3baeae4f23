package dev.shim4j.examples.wasm;

import dev.shim4j.testkit.OciImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code wasm-shim/bench} runs: {@code BenchFixtures DIR} writes {@code DIR/wasm-bench.tar},
 * the test modules' image ({@link #REF}: hello.wasm, sleep.wasm, ...), and prints the path of the
 * packaged launcher ({@code mvn package} first).
 */
public final class BenchFixtures {
  static final String REF = "docker.io/shim4j/wasm-bench:1";

  private BenchFixtures() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createDirectories(Path.of(args[0]));
    Files.write(dir.resolve("wasm-bench.tar"), OciImage.build(REF, TestModules.files(), List.of(TestModules.HELLO)));
    System.out.println(WasmShimLauncher.path());
  }
}
