package dev.shim4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs example main classes in fresh JVMs on the test classpath, and finds the daemons they leave. */
final class JavaProcesses {
  record Result(int status, String stdout, String stderr) {}

  private JavaProcesses() {}

  static Result run(Path cwd, Map<String, String> env, String mainClass, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED",
        "-cp", absoluteClasspath(), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p, true));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p, false));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(mainClass + " " + List.of(args) + " did not exit within 60s");
    }
    return new Result(p.exitValue(), out.get(20, TimeUnit.SECONDS), err.get(20, TimeUnit.SECONDS));
  }

  private static String read(Process p, boolean stdout) {
    try {
      return new String((stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String absoluteClasspath() {
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(Path.of(e).toAbsolutePath().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /** Live (non-zombie) processes whose command line contains every one of {@code words}. */
  static List<ProcessHandle> find(String... words) {
    return ProcessHandle.allProcesses()
        .filter(h -> h.pid() != ProcessHandle.current().pid())
        .filter(h -> {
          Optional<String> line = cmdline(h.pid());
          return line.isPresent() && List.of(words).stream().allMatch(line.get()::contains);
        })
        .filter(h -> !isZombie(h.pid()))
        .toList();
  }

  static Optional<String> cmdline(long pid) {
    try {
      return Optional.of(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' '));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return true;
    }
  }

  /** Polls {@code condition} until true or the timeout passes; returns its last value. */
  static boolean eventually(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(100);
    }
  }
}
