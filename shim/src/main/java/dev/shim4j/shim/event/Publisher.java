package dev.shim4j.shim.event;

import com.google.protobuf.Message;

/**
 * Sends a shim's task events (TaskCreate, TaskExit, ...) to containerd. {@code publish} only
 * queues: events leave in publish order from one sender, so a slow or restarting containerd
 * never holds a task service call.
 */
public interface Publisher extends AutoCloseable {
  /**
   * Queues {@code event} under {@code topic} (which must start with '/', e.g. "/tasks/exit"),
   * stamped with the current time. Waits briefly when the queue is full, then drops the event
   * with an error log rather than block the caller for long.
   */
  void publish(String topic, Message event);

  /** Sends what is queued (for a bounded time) and releases the connection. */
  @Override
  void close();
}
