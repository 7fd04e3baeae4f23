package dev.shim4j.shim.event;

import java.time.Duration;

/**
 * Tuning of a queued publisher. The defaults follow containerd's own shim publisher: a queue of
 * 2048 events, 5 s per call, 5 retries.
 *
 * @param queueCapacity events waiting to be sent
 * @param callTimeout deadline of one delivery attempt
 * @param retries further attempts after the first failed one
 * @param firstBackoff pause before the first retry; doubles up to {@code maxBackoff}
 * @param enqueueWait how long {@code publish} may wait for room in a full queue before dropping
 * @param closeDeadline how long {@code close} lets the queue drain
 */
public record PublisherSettings(
    int queueCapacity,
    Duration callTimeout,
    int retries,
    Duration firstBackoff,
    Duration maxBackoff,
    Duration enqueueWait,
    Duration closeDeadline) {

  public static final PublisherSettings DEFAULT = new PublisherSettings(2048, Duration.ofSeconds(5), 5,
      Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5));

  public PublisherSettings {
    if (queueCapacity < 1 || retries < 0) {
      throw new IllegalArgumentException("queueCapacity must be >= 1 and retries >= 0");
    }
  }

  public PublisherSettings withQueueCapacity(int n) {
    return new PublisherSettings(n, callTimeout, retries, firstBackoff, maxBackoff, enqueueWait, closeDeadline);
  }

  public PublisherSettings withCallTimeout(Duration d) {
    return new PublisherSettings(queueCapacity, d, retries, firstBackoff, maxBackoff, enqueueWait, closeDeadline);
  }

  public PublisherSettings withRetries(int n, Duration first, Duration max) {
    return new PublisherSettings(queueCapacity, callTimeout, n, first, max, enqueueWait, closeDeadline);
  }

  public PublisherSettings withEnqueueWait(Duration d) {
    return new PublisherSettings(queueCapacity, callTimeout, retries, firstBackoff, maxBackoff, d, closeDeadline);
  }

  public PublisherSettings withCloseDeadline(Duration d) {
    return new PublisherSettings(queueCapacity, callTimeout, retries, firstBackoff, maxBackoff, enqueueWait, d);
  }
}
