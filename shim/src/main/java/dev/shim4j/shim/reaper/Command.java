package dev.shim4j.shim.reaper;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to spawn. {@code env} null means the shim's own environment; {@code cwd} null the shim's
 * working directory; {@code extraFds} maps a descriptor number in the child to a descriptor of
 * ours (e.g. 3 -> listener); {@code newSession} runs the child in its own session (setsid).
 */
public record Command(
    List<String> argv,
    Map<String, String> env,
    Path cwd,
    Stdio stdin,
    Stdio stdout,
    Stdio stderr,
    Map<Integer, Integer> extraFds,
    boolean newSession) {

  public Command {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty argv");
    }
    env = env == null ? null : Map.copyOf(env);
    stdin = stdin == null ? Stdio.devNull() : stdin;
    stdout = stdout == null ? Stdio.devNull() : stdout;
    stderr = stderr == null ? Stdio.devNull() : stderr;
    extraFds = extraFds == null ? Map.of() : Map.copyOf(extraFds);
  }

  /** argv with the shim's environment and cwd, stdin from /dev/null, stdout and stderr piped. */
  public static Command of(List<String> argv) {
    return new Command(argv, null, null, Stdio.devNull(), Stdio.pipe(), Stdio.pipe(), Map.of(), false);
  }

  public static Command of(String... argv) {
    return of(List.of(argv));
  }

  public Command withEnv(Map<String, String> newEnv) {
    return new Command(argv, newEnv, cwd, stdin, stdout, stderr, extraFds, newSession);
  }

  public Command withCwd(Path dir) {
    return new Command(argv, env, dir, stdin, stdout, stderr, extraFds, newSession);
  }

  public Command withStdio(Stdio in, Stdio out, Stdio err) {
    return new Command(argv, env, cwd, in, out, err, extraFds, newSession);
  }

  public Command withExtraFds(Map<Integer, Integer> fds) {
    return new Command(argv, env, cwd, stdin, stdout, stderr, fds, newSession);
  }

  public Command inNewSession() {
    return new Command(argv, env, cwd, stdin, stdout, stderr, extraFds, true);
  }
}
