package dev.shim4j.benchmarks;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Echo load client: N callers share ONE connection (our {@link Client}) to any bench.Echo
 * server and call Echo in a loop; prints req/s and latency percentiles per case.
 *
 * <pre>
 * EchoLoad SOCKET [--callers 1,4,16] [--sizes 64,65536] [--seconds 5] [--warmup 2]
 * </pre>
 *
 * Output: one line per case, {@code RESULT size=64 callers=16 rps=... p50_us=... p99_us=...}.
 */
public final class EchoLoad {
  private EchoLoad() {}

  /** One measured case. */
  public record Result(int size, int callers, double rps, double p50Micros, double p99Micros) {
    String line() {
      return String.format(Locale.ROOT, "RESULT size=%d callers=%d rps=%.0f p50_us=%.1f p99_us=%.1f",
          size, callers, rps, p50Micros, p99Micros);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println(
          "usage: EchoLoad SOCKET [--callers 1,4,16] [--sizes 64,65536] [--seconds 5] [--warmup 2]");
      System.exit(2);
    }
    String socket = args[0];
    int[] callers = {1, 4, 16};
    int[] sizes = {64, 65536};
    double seconds = 5;
    double warmup = 2;
    for (int i = 1; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--callers" -> callers = ints(args[i + 1]);
        case "--sizes" -> sizes = ints(args[i + 1]);
        case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
        case "--warmup" -> warmup = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    try (Client client = Client.connect(socket)) {
      for (int size : sizes) {
        for (int n : callers) {
          run(client, size, n, Duration.ofMillis((long) (warmup * 1000)));
          Result r = run(client, size, n, Duration.ofMillis((long) (seconds * 1000)));
          System.out.println(r.line());
        }
      }
    }
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  /** Runs {@code callers} threads calling Echo on the shared client for {@code duration}. */
  public static Result run(Client client, int size, int callers, Duration duration)
      throws InterruptedException {
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) i;
    }
    BytesValue request = BytesValue.of(ByteString.copyFrom(payload));
    CallOptions options = CallOptions.timeout(Duration.ofSeconds(30));
    CountDownLatch start = new CountDownLatch(1);
    List<long[]> latencies = new ArrayList<>();
    int[] counts = new int[callers];
    List<Thread> threads = new ArrayList<>();
    long[] window = new long[2];
    for (int t = 0; t < callers; t++) {
      int me = t;
      long[] mine = new long[1 << 20];
      latencies.add(mine);
      threads.add(Thread.ofPlatform().name("caller-" + t).start(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        long end = window[1];
        int n = 0;
        while (true) {
          long t0 = System.nanoTime();
          if (t0 >= end) {
            break;
          }
          BytesValue response = client.call(EchoService.ECHO, request, options);
          long t1 = System.nanoTime();
          if (response.getValue().size() != size) {
            throw new IllegalStateException("echo of " + size + " came back with "
                + response.getValue().size() + " bytes");
          }
          if (n < mine.length) {
            mine[n] = t1 - t0;
          }
          n++;
        }
        counts[me] = n;
      }));
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + duration.toNanos();
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = System.nanoTime() - window[0];
    long total = 0;
    int recorded = 0;
    for (int t = 0; t < callers; t++) {
      total += counts[t];
      recorded += Math.min(counts[t], latencies.get(t).length);
    }
    long[] all = new long[recorded];
    int at = 0;
    for (int t = 0; t < callers; t++) {
      int n = Math.min(counts[t], latencies.get(t).length);
      System.arraycopy(latencies.get(t), 0, all, at, n);
      at += n;
    }
    Arrays.sort(all);
    return new Result(size, callers, total * 1e9 / elapsed, percentile(all, 0.50) / 1e3,
        percentile(all, 0.99) / 1e3);
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
