package dev.shim4j.ttrpc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@link ChildEchoServer} in a child JVM (test code: main code never spawns this way). */
final class ChildServerProcess implements AutoCloseable {
  final Path socket;
  final Process process;
  private final Path stderr;

  private ChildServerProcess(Path socket, Process process, Path stderr) {
    this.socket = socket;
    this.process = process;
    this.stderr = stderr;
  }

  /**
   * @param prefix a command to run the JVM under (e.g. prlimit), or empty
   * @param jvmOptions e.g. a small -Xmx
   * @param args {@link ChildEchoServer}'s arguments after the socket
   */
  static ChildServerProcess start(Path dir, List<String> prefix, List<String> jvmOptions,
      String... args) throws Exception {
    Path socket = dir.resolve("child.sock");
    Path stderr = dir.resolve("child.stderr");
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ChildEchoServer.class.getName());
    cmd.add(socket.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        return r.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = ready.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      line = null;
    }
    ChildServerProcess child = new ChildServerProcess(socket, p, stderr);
    if (!"READY".equals(line)) {
      child.close();
      throw new AssertionError("child server did not start; stderr:\n" + child.stderr());
    }
    return child;
  }

  String stderr() {
    try {
      return Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Resident set size in KiB, from /proc. */
  long rssKib() throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS for " + process.pid());
  }

  /** Descriptors the child has open, from /proc. */
  long openFiles() throws IOException {
    try (var files = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
      return files.count();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
