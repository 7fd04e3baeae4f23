package dev.shim4j.ttrpc.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The ttrpc-rust peer of interop/rust-ttrpc: builds it with cargo (offline, from the crates
 * Debian ships in librust-ttrpc-dev) and runs it as a server or a client.
 *
 * <p>The project is copied into this module's target/ before building, so cargo's Cargo.lock
 * and build output never land in the source tree; files are rewritten only when they differ,
 * which keeps cargo's own freshness check (by mtime) working: a second build is a no-op.
 */
final class RustPeer {
  static final String APT_HINT =
      "install the Debian packages: apt-get install cargo librust-ttrpc-dev";
  /** Where Debian's librust-*-dev packages put their crate sources (see .cargo/config.toml). */
  static final Path DEBIAN_REGISTRY = Path.of("/usr/share/cargo/registry");
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private static Path binary;

  private RustPeer() {}

  /** Builds the peer once per test JVM and returns its executable. */
  static synchronized Path build() throws IOException, InterruptedException {
    if (binary == null) {
      binary = buildNow();
    }
    return binary;
  }

  private static Path buildNow() throws IOException, InterruptedException {
    Path source = findProject();
    requireDebianTtrpcCrate();
    String cargo = System.getenv().getOrDefault("SHIM4J_CARGO", "cargo");
    String version = requireCargo(cargo);

    Path work = Path.of(System.getProperty("user.dir")).resolve("target/rust-ttrpc");
    Path project = work.resolve("project");
    syncTree(source, project);
    // Cargo.lock is regenerated offline in no time, and one written by a newer cargo (lock
    // format v4) would stop Debian's older cargo; so every build starts without one.
    Files.deleteIfExists(project.resolve("Cargo.lock"));
    // One output directory per toolchain: two cargos sharing one would keep rebuilding all.
    Path targetDir = work.resolve("cargo-target-" + version.replaceAll("[^A-Za-z0-9.]+", "_"));
    Path log = work.resolve("cargo-build.log");
    ProcessBuilder pb = new ProcessBuilder(cargo, "build", "--offline")
        .directory(project.toFile()) // cargo reads .cargo/config.toml from its working directory
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("CARGO_TARGET_DIR", targetDir.toString());
    long started = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("cargo build did not finish in " + BUILD_TIMEOUT + "; log: " + log);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("cargo build of " + source + " failed (exit " + p.exitValue()
          + "); " + APT_HINT + ". Output:\n" + tail(log, 60));
    }
    Path exe = targetDir.resolve("debug/rust-ttrpc-peer");
    if (!Files.isExecutable(exe)) {
      throw new AssertionError("cargo build succeeded but " + exe + " is missing");
    }
    System.err.printf("rust-ttrpc peer built by %s in %d ms (%s)%n", version,
        Duration.ofNanos(System.nanoTime() - started).toMillis(), exe);
    return exe;
  }

  /** interop/rust-ttrpc at the repository root, found from the module directory upwards. */
  private static Path findProject() {
    for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null;
        dir = dir.getParent()) {
      Path candidate = dir.resolve("interop/rust-ttrpc");
      if (Files.isRegularFile(candidate.resolve("Cargo.toml"))) {
        return candidate;
      }
    }
    throw new AssertionError("interop/rust-ttrpc/Cargo.toml not found above "
        + System.getProperty("user.dir"));
  }

  private static void requireDebianTtrpcCrate() throws IOException {
    if (Files.isDirectory(DEBIAN_REGISTRY)) {
      try (Stream<Path> crates = Files.list(DEBIAN_REGISTRY)) {
        if (crates.anyMatch(c -> c.getFileName().toString().startsWith("ttrpc-0.5"))) {
          return;
        }
      }
    }
    throw new AssertionError("the ttrpc-rust crate 0.5 is missing from " + DEBIAN_REGISTRY
        + ": " + APT_HINT);
  }

  /** Returns the first two words of {@code cargo --version}, e.g. "cargo 1.65.0". */
  private static String requireCargo(String cargo) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(cargo, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] words = out.split("\\s+");
        return words.length >= 2 ? words[0] + " " + words[1] : out;
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // reported below
    }
    throw new AssertionError("'" + cargo + "' does not run (set SHIM4J_CARGO to use another): "
        + APT_HINT);
  }

  /** Mirrors {@code from} into {@code to}, skipping build output and lock files. */
  private static void syncTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path rel = from.relativize(file);
        String first = rel.getNameCount() > 0 ? rel.getName(0).toString() : "";
        if (first.equals("target") || rel.toString().equals("Cargo.lock")) {
          continue;
        }
        Path dest = to.resolve(rel.toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(dest);
        } else {
          byte[] bytes = Files.readAllBytes(file);
          if (!Files.exists(dest) || !Arrays.equals(bytes, Files.readAllBytes(dest))) {
            Files.write(dest, bytes);
          }
        }
      }
    }
  }

  private static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Starts {@code rust-ttrpc-peer server SOCKET} and waits until it accepts connections. */
  static Server startServer(Path socket, Path logDir) throws IOException, InterruptedException {
    Path stderr = logDir.resolve("rust-server.stderr");
    Process p = new ProcessBuilder(build().toString(), "server", socket.toString())
        .redirectError(stderr.toFile())
        .start();
    Server server = new Server(p, stderr);
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, r -> Thread.ofVirtual().name("rust-server-ready").start(r));
    String line;
    try {
      line = ready.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      server.close();
      throw new AssertionError("rust server did not get ready: " + e + "; stderr: "
          + Files.readString(stderr));
    }
    if (line == null || !line.equals("ready " + socket)) {
      server.close();
      throw new AssertionError("rust server said " + line + "; stderr: "
          + Files.readString(stderr));
    }
    return server;
  }

  /** Runs the peer as a client to completion; its output is the verdict. */
  static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(build().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("rust-peer", ".out");
    Path err = Files.createTempFile("rust-peer", ".err");
    try {
      Process p = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("rust peer " + command + " did not finish in " + timeout
            + "; stderr: " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out).strip(), Files.readString(err).strip());
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  record Result(int exitCode, String stdout, String stderr) {}

  /** A running Rust server; closing its stdin makes it exit (it exits on EOF). */
  static final class Server implements AutoCloseable {
    private final Process process;
    private final Path stderr;

    private Server(Process process, Path stderr) {
      this.process = process;
      this.stderr = stderr;
    }

    boolean isAlive() {
      return process.isAlive();
    }

    String stderr() throws IOException {
      return Files.readString(stderr);
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        process.getOutputStream().close();
      } catch (IOException ignored) {
        // already gone
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
