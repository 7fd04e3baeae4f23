package dev.shim4j.examples.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import dev.shim4j.examples.wasm.WasmAssembler.Code;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs the test modules in this JVM, without containerd: WASI's wiring and the exit statuses. */
class WasiCommandTest {
  private static final long MEMORY = 16L << 20;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private WasiCommand.Io io(List<String> args, Map<String, String> env, InputStream stdin) {
    return new WasiCommand.Io(args, env, stdin, out, err);
  }

  @Test
  void echoWritesArgsToStdoutEnvToStderrCopiesStdinAndExitsWithArgc() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GREETING", "hello wasm");
    env.put("EMPTY", "");
    List<String> args = List.of("/echo.wasm", "one", "two words");
    byte[] input = "line 1\nline 2\n".repeat(1000).getBytes(StandardCharsets.UTF_8);

    int status = WasiCommand.parse(TestModules.echo(), MEMORY).run(io(args, env, new ByteArrayInputStream(input)));

    assertThat(status).isEqualTo(3);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(TestModules.nulTerminated(args) + new String(input, StandardCharsets.UTF_8));
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(TestModules.nulTerminated(List.of("GREETING=hello wasm", "EMPTY=")));
  }

  @Test
  void aTrapEndsTheInstanceWithStatus134AndSaysWhyOnStderr() {
    int status = WasiCommand.parse(TestModules.trap(), MEMORY).run(io(List.of("/trap.wasm"), Map.of(), InputStream.nullInputStream()));

    assertThat(status).isEqualTo(ExitStatus.TRAP).isEqualTo(134);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("wasm trap: ");
  }

  @Test
  void helloWritesAndExitsZero() {
    int status = WasiCommand.parse(TestModules.hello(), MEMORY).run(io(List.of("/hello.wasm"), Map.of(), InputStream.nullInputStream()));

    assertThat(status).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\n");
  }

  @Test
  void anInterruptEndsALoopingInstance() throws Exception {
    assertInterruptEnds(TestModules.loop());
  }

  /** Chicory's WASI sleep turns the interrupt into a plain ChicoryException: still a kill. */
  @Test
  void anInterruptEndsAnInstanceAsleepInWasi() throws Exception {
    assertInterruptEnds(TestModules.sleep());
    assertThat(err.toString(StandardCharsets.UTF_8)).as("a kill is no trap").isEmpty();
  }

  private void assertInterruptEnds(byte[] module) throws Exception {
    WasiCommand command = WasiCommand.parse(module, MEMORY);
    var ended = new CompletableFuture<Throwable>();
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        command.run(io(List.of("/m.wasm"), Map.of(), InputStream.nullInputStream()));
        ended.complete(null);
      } catch (Throwable e) {
        ended.complete(e);
      }
    });
    Thread.sleep(300);
    assertThat(ended).isNotDone();
    t.interrupt();
    assertThat(ended.get(30, TimeUnit.SECONDS)).isInstanceOf(ChicoryInterruptedException.class);
  }

  @Test
  void bytesThatAreNoModuleAreRefused() {
    assertThatThrownBy(() -> WasiCommand.parse("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), MEMORY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid WebAssembly module");
    byte[] truncated = java.util.Arrays.copyOf(TestModules.echo(), 40);
    assertThatThrownBy(() -> WasiCommand.parse(truncated, MEMORY)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aModuleImportingWhatWasiDoesNotProvideIsRefused() {
    var asm = new WasmAssembler();
    int none = asm.type(new byte[0], new byte[0]);
    asm.importFunction("env", "launch_missiles", none);
    int start = asm.function(none, new Code());
    byte[] module = asm.exportFunction("_start", start).bytes();

    assertThatThrownBy(() -> WasiCommand.parse(module, MEMORY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("env.launch_missiles");
  }

  @Test
  void aModuleWithoutStartIsNotACommand() {
    var asm = new WasmAssembler();
    int none = asm.type(new byte[0], new byte[0]);
    int f = asm.function(none, new Code());
    byte[] reactor = asm.exportFunction("init", f).bytes();

    assertThatThrownBy(() -> WasiCommand.parse(reactor, MEMORY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("_start");
  }

  @Test
  void memoryBeyondTheLimitFailsTheInstanceNotTheCaller() {
    var asm = new WasmAssembler();
    int none = asm.type(new byte[0], new byte[0]);
    int start = asm.function(none, new Code());
    byte[] big = asm.memory(64).exportFunction("_start", start).bytes(); // 4 MiB initial

    int status = WasiCommand.parse(big, 1L << 20).run(io(List.of("/big.wasm"), Map.of(), InputStream.nullInputStream()));

    assertThat(status).isEqualTo(ExitStatus.TRAP);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("more than the container may have");
  }
}
