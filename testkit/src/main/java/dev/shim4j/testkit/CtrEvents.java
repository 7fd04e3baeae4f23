package dev.shim4j.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code ctr events} running in the background, every line it prints collected: what a test
 * checks a shim's events and their order with ({@code TIME NAMESPACE TOPIC {json}} per line).
 */
public final class CtrEvents implements AutoCloseable {
  private final Process process;
  private final Thread reader;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private CtrEvents(PrivateContainerd cd) throws IOException, InterruptedException {
    process = cd.startCtr("events");
    reader = Thread.ofPlatform().daemon().start(this::collect);
    Thread.sleep(1000); // ctr subscribes after it starts: events before that are not seen
  }

  public static CtrEvents start(PrivateContainerd cd) throws IOException, InterruptedException {
    return new CtrEvents(cd);
  }

  private void collect() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException ignored) {
      // ctr events was killed
    }
  }

  /** The lines seen so far (a live view). */
  public List<String> lines() {
    return lines;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    reader.join(5000);
  }
}
