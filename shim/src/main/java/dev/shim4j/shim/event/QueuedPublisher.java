package dev.shim4j.shim.event;

import com.google.protobuf.Message;
import dev.shim4j.api.services.events.v1.Envelope;
import dev.shim4j.shim.log.ShimLogging;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded queue drained by one sender thread, so events reach containerd in the order they were
 * published (containerd expects create, start, exit, delete in that order). A failed delivery is
 * retried with a growing pause before the next event is touched; after the last retry the event
 * is dropped with an error log, as containerd's own shim does.
 */
public final class QueuedPublisher implements Publisher {
  private static final System.Logger LOG = ShimLogging.logger(QueuedPublisher.class);

  private final String namespace;
  private final Transport transport;
  private final PublisherSettings settings;
  private final BlockingQueue<Envelope> queue;
  private final Thread sender;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final Object progress = new Object();
  private long finished; // guarded by progress: events sent or given up on
  private volatile boolean closed;

  QueuedPublisher(String namespace, Transport transport, PublisherSettings settings) {
    this.namespace = namespace;
    this.transport = transport;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    // Virtual: it mostly waits for events, and a platform thread's stack stays resident.
    this.sender = Thread.ofVirtual().name("shim-event-publisher").unstarted(this::run);
    sender.start();
  }

  @Override
  public void publish(String topic, Message event) {
    Envelope envelope = Envelopes.of(Instant.now(), namespace, topic, event);
    if (closed) {
      drop(envelope, "publisher closed");
      return;
    }
    // Publishers are often threads that were just interrupted (a killed task's runner reporting
    // its exit): the interrupt must not cost the event. Room in the queue is taken without
    // waiting; only a full queue makes the caller wait, and an interrupt then gives up.
    boolean queued = queue.offer(envelope);
    String reason = "event queue full (" + settings.queueCapacity() + ")";
    if (!queued) {
      try {
        queued = queue.offer(envelope, settings.enqueueWait().toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reason += ", publisher interrupted while waiting for room";
      }
    }
    if (queued) {
      accepted.incrementAndGet();
    } else {
      drop(envelope, reason);
    }
  }

  /** Events given up on: queue full, retries exhausted, or still queued at close. */
  public long dropped() {
    return dropped.get();
  }

  /** Events containerd acknowledged. */
  public long delivered() {
    return delivered.get();
  }

  /** Waits until every event published before this call was sent or given up on. */
  public boolean drain(Duration timeout) throws InterruptedException {
    long target = accepted.get();
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (finished < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !sender.isAlive()) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
    }
    return true;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!drain(settings.closeDeadline())) {
        LOG.log(Level.WARNING, "closing event publisher with {0} event(s) unsent", queue.size() + 1);
      }
      sender.interrupt();
      sender.join(settings.closeDeadline().toMillis() + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sender.interrupt();
    } finally {
      int left = queue.size();
      queue.clear();
      dropped.addAndGet(left);
      transport.close();
    }
  }

  private void run() {
    try {
      while (true) {
        // Blocks while idle (no wake-ups); close() interrupts once the queue is drained.
        Envelope next = queue.take();
        deliver(next);
        synchronized (progress) {
          finished++;
          progress.notifyAll();
        }
      }
    } catch (InterruptedException e) {
      // close(): what is left is counted as dropped there.
    }
  }

  private void deliver(Envelope envelope) throws InterruptedException {
    Duration backoff = settings.firstBackoff();
    for (int attempt = 0; ; attempt++) {
      try {
        transport.send(envelope);
        delivered.incrementAndGet();
        return;
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception | Error e) {
        if (!retry(envelope, attempt, e)) {
          return;
        }
      }
      Thread.sleep(backoff);
      backoff = backoff.multipliedBy(2).compareTo(settings.maxBackoff()) > 0
          ? settings.maxBackoff() : backoff.multipliedBy(2);
    }
  }

  private boolean retry(Envelope envelope, int attempt, Throwable failure) {
    boolean permanent = failure instanceof Exception e && transport.isPermanent(e);
    if (permanent || attempt >= settings.retries()) {
      drop(envelope, (permanent ? "refused: " : "failed " + (attempt + 1) + " times: ") + failure);
      return false;
    }
    LOG.log(Level.DEBUG, "publishing {0} failed (attempt {1}), retrying: {2}",
        envelope.getTopic(), attempt + 1, failure.toString());
    return true;
  }

  private void drop(Envelope envelope, String why) {
    dropped.incrementAndGet();
    LOG.log(Level.ERROR, "dropping event {0} ({1}): {2}", envelope.getTopic(),
        envelope.getEvent().getTypeUrl(), why);
  }
}
