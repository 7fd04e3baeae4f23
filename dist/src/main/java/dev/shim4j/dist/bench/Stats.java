package dev.shim4j.dist.bench;

import java.util.Arrays;

/** Order statistics of a sample. */
final class Stats {
  private Stats() {}

  static double median(double[] sample) {
    double[] sorted = sample.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double min(double[] sample) {
    return Arrays.stream(sample).min().orElse(Double.NaN);
  }

  static double max(double[] sample) {
    return Arrays.stream(sample).max().orElse(Double.NaN);
  }
}
