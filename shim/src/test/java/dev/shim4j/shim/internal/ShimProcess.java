package dev.shim4j.shim.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@link TestShim} as containerd would: a new JVM, in the bundle, stdin given, output captured. */
final class ShimProcess {
  static final String CONTAINERD = "/run/containerd-test/containerd.sock";

  record Result(int status, byte[] stdout, String stderr) {
    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  private ShimProcess() {}

  static List<String> javaCommand(String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  static Result run(Path bundle, Map<String, String> env, byte[] stdin, String... args) throws Exception {
    List<String> cmd = javaCommand(TestShim.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(bundle.toFile());
    pb.environment().keySet().removeAll(List.of("TTRPC_ADDRESS", "GRPC_ADDRESS", "NAMESPACE", "MAX_SHIM_VERSION"));
    pb.environment().putAll(env);
    Process p = pb.start();
    // Read both pipes to EOF: EOF only comes when every holder (a daemon too) has closed them.
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p, true));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p, false));
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("shim " + List.of(args) + " did not exit within 60s");
    }
    return new Result(p.exitValue(), out.get(20, TimeUnit.SECONDS),
        new String(err.get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(Process p, boolean stdout) {
    try {
      return (stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
