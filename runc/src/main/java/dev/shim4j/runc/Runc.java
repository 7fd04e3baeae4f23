package dev.shim4j.runc;

import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.CommandResult;
import dev.shim4j.shim.reaper.Exit;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A typed runc command line, one instance per set of global options (binary, {@code --root},
 * {@code --log}, {@code --log-format}, {@code --systemd-cgroup}, {@code --criu}). Every runc is
 * started through a {@link CommandRunner} (the shim's reaper in production). A failing runc
 * becomes a {@link RuncException} whose message is runc's own last error, taken from its JSON log
 * when one is configured, else from its stderr.
 */
public final class Runc {
  /** Log formats runc understands for {@code --log-format}. */
  public enum LogFormat {
    TEXT,
    JSON
  }

  private final String binary;
  private final Path root;
  private final Path log;
  private final LogFormat logFormat;
  private final boolean systemdCgroup;
  private final Path criu;
  private final Duration timeout;
  private final CommandRunner runner;
  private final Map<String, String> env;

  private Runc(Builder b) {
    this.binary = b.binary;
    this.root = b.root;
    this.log = b.log;
    this.logFormat = b.logFormat;
    this.systemdCgroup = b.systemdCgroup;
    this.criu = b.criu;
    this.timeout = b.timeout;
    this.runner = b.runner;
    this.env = b.env;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The runc binary (name looked up on PATH, or a path). */
  public String binary() {
    return binary;
  }

  /** The {@code --log} file, or null. */
  public Path logFile() {
    return log;
  }

  /** The {@code --root} directory, or null for runc's default. */
  public Path root() {
    return root;
  }

  /** The binary and global options every invocation starts with. */
  public List<String> globalArgs() {
    List<String> a = new ArrayList<>();
    a.add(binary);
    if (root != null) {
      a.add("--root");
      a.add(root.toString());
    }
    if (log != null) {
      a.add("--log");
      a.add(log.toString());
    }
    if (logFormat != null) {
      a.add("--log-format");
      a.add(logFormat.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (systemdCgroup) {
      a.add("--systemd-cgroup");
    }
    if (criu != null) {
      a.add("--criu");
      a.add(criu.toString());
    }
    return a;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * {@code runc create}: the container's init exists (and waits for start) when this returns.
   * With a pid file, read the pid with {@link #readPid(Path)}.
   */
  public void create(String id, Path bundle, CreateOptions opts) throws IOException, InterruptedException {
    Objects.requireNonNull(bundle, "bundle");
    List<String> args = new ArrayList<>(List.of("create", "--bundle", bundle.toString()));
    args.addAll(opts.args());
    args.add(id);
    spawnAndWait(args, opts.io);
  }

  /** {@code runc start}: lets the created init exec the user's process. */
  public void start(String id) throws IOException, InterruptedException {
    run(List.of("start", id), null);
  }

  /**
   * {@code runc exec --process FILE}: starts an additional process described by an OCI Process
   * JSON (what containerd sends in ExecProcessRequest.spec). Detached by default, so this returns
   * once the process runs; its pid is in the pid file.
   */
  public void exec(String id, byte[] processJson, ExecOptions opts) throws IOException, InterruptedException {
    Path spec = Files.createTempFile("runc-process-", ".json");
    try {
      Files.write(spec, processJson);
      List<String> args = new ArrayList<>(List.of("exec"));
      args.addAll(opts.args(spec));
      args.add(id);
      spawnAndWait(args, opts.io);
    } finally {
      Files.deleteIfExists(spec);
    }
  }

  /** {@code runc kill [--all] ID SIGNAL}. */
  public void kill(String id, int signal, boolean all) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("kill"));
    if (all) {
      args.add("--all");
    }
    args.add(id);
    args.add(Integer.toString(signal));
    run(args, null);
  }

  /** {@code runc delete [--force] ID}. */
  public void delete(String id, boolean force) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("delete"));
    if (force) {
      args.add("--force");
    }
    args.add(id);
    run(args, null);
  }

  public void pause(String id) throws IOException, InterruptedException {
    run(List.of("pause", id), null);
  }

  public void resume(String id) throws IOException, InterruptedException {
    run(List.of("resume", id), null);
  }

  /** {@code runc update --resources - ID} with a JSON LinuxResources on stdin. */
  public void update(String id, byte[] resourcesJson) throws IOException, InterruptedException {
    run(List.of("update", "--resources", "-", id), resourcesJson);
  }

  /** {@code runc checkpoint}: criu dumps the container into the options' image path. */
  public void checkpoint(String id, CheckpointOptions opts) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("checkpoint"));
    args.addAll(opts.checkpointArgs());
    args.add(id);
    run(args, null);
  }

  /**
   * {@code runc restore --detach}: recreates a checkpointed container as a running one from the
   * image path; the restored init's pid is in {@code process}'s pid file.
   */
  public void restore(String id, Path bundle, CreateOptions process, CheckpointOptions criuOpts)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("restore", "--detach", "--bundle", bundle.toString()));
    if (process.pidFile != null) {
      args.add("--pid-file");
      args.add(process.pidFile.toString());
    }
    if (process.consoleSocket != null) {
      args.add("--console-socket");
      args.add(process.consoleSocket.toString());
    }
    if (process.noPivot) {
      args.add("--no-pivot");
    }
    args.addAll(criuOpts.commonArgs());
    args.add(id);
    spawnAndWait(args, process.io);
  }

  // ---------------------------------------------------------------- queries

  /** {@code runc state ID}. */
  public RuncState state(String id) throws IOException, InterruptedException {
    CommandResult r = run(List.of("state", id), null);
    return parse("state", r, RuncState::parse);
  }

  /** {@code runc ps --format json ID}: the pids of every process in the container. */
  public List<Integer> ps(String id) throws IOException, InterruptedException {
    CommandResult r = run(List.of("ps", "--format", "json", id), null);
    return parse("ps", r, Runc::parsePids);
  }

  /** {@code runc events --stats ID}: one statistics sample of the container's cgroup. */
  public RuncStats stats(String id) throws IOException, InterruptedException {
    CommandResult r = run(List.of("events", "--stats", id), null);
    return parse("events", r, RuncStats::parse);
  }

  /** {@code runc --version}, first line (e.g. "runc version 1.1.5"). */
  public String version() throws IOException, InterruptedException {
    CommandResult r = run(List.of("--version"), null);
    return r.stdoutText().lines().findFirst().orElse("").strip();
  }

  /**
   * {@code runc features}: the OCI runtime-spec features document (JSON) of this runc, which
   * containerd 2.x asks a shim for through {@code -info}.
   */
  public byte[] features() throws IOException, InterruptedException {
    return run(List.of("features"), null).stdout();
  }

  /**
   * Reads a pid file runc wrote. runc writes it before returning, but a file system may show an
   * empty file for a moment, so an empty read is retried briefly.
   */
  public static int readPid(Path pidFile) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (true) {
      String s;
      try {
        s = Files.readString(pidFile).strip();
      } catch (NoSuchFileException e) {
        s = "";
      }
      if (!s.isEmpty()) {
        try {
          return Integer.parseInt(s);
        } catch (NumberFormatException e) {
          throw new IOException("pid file " + pidFile + " holds no pid: '" + s + "'");
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("pid file " + pidFile + " is missing or empty");
      }
      Thread.sleep(10);
    }
  }

  // ---------------------------------------------------------------- plumbing

  private interface Parser<T> {
    T parse(String json);
  }

  private <T> T parse(String what, CommandResult r, Parser<T> p) throws RuncException {
    try {
      return p.parse(r.stdoutText());
    } catch (IllegalArgumentException e) {
      throw new RuncException(List.of(binary, what), r.status(), "unreadable output: " + e.getMessage());
    }
  }

  static List<Integer> parsePids(String json) {
    Object v = Json.parse(json.isBlank() ? "null" : json);
    if (v == null) {
      return List.of(); // runc prints "null" for a container with no processes
    }
    if (!(v instanceof List<?> l)) {
      throw new IllegalArgumentException("expected a JSON array of pids: " + Json.abbreviate(json));
    }
    List<Integer> pids = new ArrayList<>(l.size());
    for (Object o : l) {
      if (!(o instanceof Number n)) {
        throw new IllegalArgumentException("not a pid: " + o);
      }
      pids.add(n.intValue());
    }
    return List.copyOf(pids);
  }

  /** Runs runc with piped stdio, waits for it, and turns a failure into a RuncException. */
  private CommandResult run(List<String> args, byte[] stdin) throws IOException, InterruptedException {
    List<String> argv = argv(args);
    long logMark = logSize();
    CommandResult r;
    try {
      r = runner.run(command(argv), stdin == null ? new byte[0] : stdin, timeout);
    } catch (TimeoutException e) {
      throw new RuncException(argv, -1, "timed out after " + timeout.toSeconds() + "s and was killed");
    }
    if (!r.succeeded()) {
      throw new RuncException(argv, r.status(), errorMessage(logMark, r.stderrText(), r.stdoutText()));
    }
    return r;
  }

  /**
   * Runs runc whose stdio the started container process inherits (create, exec, restore). Its
   * output cannot be piped (the container would hold the pipe open after runc exits), so errors
   * come from the log file only.
   */
  private void spawnAndWait(List<String> args, ProcessIo io) throws IOException, InterruptedException {
    List<String> argv = argv(args);
    long logMark = logSize();
    Child child = runner.spawn(command(argv).withStdio(io.stdin(), io.stdout(), io.stderr()));
    Exit exit;
    try {
      exit = child.exit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new RuncException(argv, -1, "did not finish within " + timeout.toSeconds() + "s (pid " + child.pid() + ")");
    } catch (ExecutionException e) {
      throw new IOException("waiting for " + argv.get(0) + " failed", e.getCause());
    }
    if (exit.status() != 0) {
      throw new RuncException(argv, exit.status(), errorMessage(logMark, "", ""));
    }
  }

  private List<String> argv(List<String> args) {
    List<String> argv = globalArgs();
    argv.addAll(args);
    return argv;
  }

  private Command command(List<String> argv) {
    Command c = Command.of(argv);
    return env == null ? c : c.withEnv(env);
  }

  private long logSize() {
    if (log == null) {
      return 0;
    }
    try {
      return Files.size(log);
    } catch (IOException e) {
      return 0;
    }
  }

  /** What runc said about its failure: the newest error of its log since {@code mark}, else its output. */
  private String errorMessage(long mark, String stderr, String stdout) {
    String fromLog = log == null ? null : lastLogError(log, mark, logFormat);
    if (fromLog != null && !fromLog.isBlank()) {
      return fromLog;
    }
    if (!stderr.isBlank()) {
      return stderr.strip();
    }
    return stdout.strip();
  }

  /**
   * The message of the last error-level line written to runc's log after byte {@code mark}
   * (the whole file when it shrank). JSON lines look like
   * {@code {"level":"error","msg":"...","time":"..."}}; text lines are taken as they are.
   */
  static String lastLogError(Path log, long mark, LogFormat format) {
    String tail;
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = f.length();
      long from = mark <= len ? mark : 0;
      // An error is near the end; never read more than the last 64 KiB of a long log.
      from = Math.max(from, len - 65536);
      byte[] b = new byte[(int) (len - from)];
      f.seek(from);
      f.readFully(b);
      tail = new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
    String last = null;
    for (String line : tail.split("\n")) {
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (format == LogFormat.JSON && line.startsWith("{")) {
        try {
          Map<String, Object> m = Json.parseObject(line);
          String level = Json.string(m, "level");
          if (level.equals("error") || level.equals("fatal") || level.equals("panic")) {
            last = Json.string(m, "msg");
          }
        } catch (IllegalArgumentException partialLine) {
          // the first line after the mark may be cut; skip it
        }
      } else if (format != LogFormat.JSON && (line.contains("level=error") || line.contains("level=fatal"))) {
        last = line;
      }
    }
    return last;
  }

  /** Global options of a {@link Runc}. */
  public static final class Builder {
    private String binary = "runc";
    private Path root;
    private Path log;
    private LogFormat logFormat;
    private boolean systemdCgroup;
    private Path criu;
    private Duration timeout = Duration.ofSeconds(60);
    private CommandRunner runner;
    private Map<String, String> env;

    private Builder() {}

    /** The runc binary: a name looked up on PATH or a path (runc options' binary_name). */
    public Builder binary(String b) {
      this.binary = b == null || b.isEmpty() ? "runc" : b;
      return this;
    }

    /** {@code --root}: where runc keeps container state (per namespace in a shim). */
    public Builder root(Path p) {
      this.root = p;
      return this;
    }

    /** {@code --log}: runc's log file (the shim uses BUNDLE/log.json). */
    public Builder log(Path p) {
      this.log = p;
      return this;
    }

    /** {@code --log-format}. */
    public Builder logFormat(LogFormat f) {
      this.logFormat = f;
      return this;
    }

    public Builder systemdCgroup(boolean b) {
      this.systemdCgroup = b;
      return this;
    }

    /** {@code --criu}: the criu binary for checkpoint and restore. */
    public Builder criu(Path p) {
      this.criu = p;
      return this;
    }

    /** The longest any single runc invocation may take before it is given up (and killed). */
    public Builder timeout(Duration d) {
      this.timeout = Objects.requireNonNull(d);
      return this;
    }

    /** Who spawns runc; the reaper unless a test says otherwise. */
    public Builder runner(CommandRunner r) {
      this.runner = r;
      return this;
    }

    /** runc's environment; null (default) means the shim's. */
    public Builder env(Map<String, String> e) {
      this.env = e;
      return this;
    }

    public Runc build() {
      if (runner == null) {
        runner = CommandRunner.reaper();
      }
      return new Runc(this);
    }
  }
}
