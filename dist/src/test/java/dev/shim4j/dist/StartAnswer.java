package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs a launcher's {@code start} as containerd 1.6 does and checks its answer. */
final class StartAnswer {
  private StartAnswer() {}

  /**
   * {@code command} run in {@code bundle} with stdin from /dev/null and {@code env} added; stdout
   * and stderr read together, which must be exactly one address; returns it.
   */
  static String of(List<String> command, Path bundle, Map<String, String> env, Duration deadline)
      throws Exception {
    String combined = output(command, bundle, env, Optional.empty(), deadline);
    assertThat(combined).matches("unix:///[^\\s]+\\n?");
    return combined.strip();
  }

  /**
   * What {@code command}, run in {@code bundle} with {@code env} added and {@code stdin} written
   * to it (else stdin from /dev/null, as containerd 1.6 gives it without options), printed on
   * stdout and stderr together; it must exit 0.
   */
  static String output(List<String> command, Path bundle, Map<String, String> env,
      Optional<byte[]> stdin, Duration deadline) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(bundle.toFile())
        .redirectErrorStream(true);
    if (stdin.isEmpty()) {
      builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }
    builder.environment().putAll(env);
    Process start = builder.start();
    if (stdin.isPresent()) {
      try (OutputStream in = start.getOutputStream()) {
        in.write(stdin.get());
      }
    }
    String combined = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(start.waitFor(deadline.toSeconds(), TimeUnit.SECONDS)).isTrue();

    assertThat(start.exitValue()).as("start output: %s", combined).isZero();
    return combined;
  }
}
