package dev.shim4j.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Collects the lines of a child's output stream as they come, so a test can wait for one. */
final class OutputLines {
  private final List<String> lines = new ArrayList<>();

  private OutputLines() {}

  /** Starts reading {@code stream} on a virtual thread until it ends. */
  static OutputLines follow(InputStream stream) {
    OutputLines out = new OutputLines();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          out.add(line);
        }
      } catch (IOException ignored) {
        // The process was destroyed; what was read stays available.
      }
    });
    return out;
  }

  private synchronized void add(String line) {
    lines.add(line);
    notifyAll();
  }

  synchronized List<String> snapshot() {
    return List.copyOf(lines);
  }

  /** The first line matching {@code test}, waiting up to {@code timeout}; empty on timeout. */
  synchronized Optional<String> await(Predicate<String> test, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> hit = lines.stream().filter(test).findFirst();
      long left = deadline - System.nanoTime();
      if (hit.isPresent() || left <= 0) {
        return hit;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }
}
