package dev.shim4j.ttrpc.wire;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.ThreadFactory;

/**
 * The single writer of a connection, shared by every thread that sends on it. Frames leave in
 * the order they were handed over, which lets a client keep stream ids increasing on the wire by
 * sending under its id lock. Two strategies, because a Java socket channel is closed when a
 * thread blocked in it is interrupted:
 *
 * <ul>
 *   <li>{@link #threaded}: one writer thread of its own does all writes. Right when the senders
 *       are threads we do not control (client callers), which may be interrupted any time.
 *   <li>{@link #combining}: the sender that finds the writer free writes, taking along whatever
 *       others queued meanwhile (batching without a thread hop). Only for senders that are
 *       never interrupted while sending (server handler threads, whose interrupts the server
 *       holds back during writes).
 * </ul>
 */
public interface FrameWriter {
  /** Told once when a write fails; the connection is dead from then on. */
  interface FailureListener {
    void writeFailed(IOException e);
  }

  static FrameWriter threaded(WritableByteChannel channel, int maxPayload,
      FailureListener onFailure, ThreadFactory threads) {
    return new ThreadFrameWriter(channel, maxPayload, onFailure, threads);
  }

  /**
   * @param onDrained run after each drain of the queue, e.g. to let a reader that stopped for
   *     {@link #queuedFrames} resume
   */
  static FrameWriter combining(WritableByteChannel channel, int maxPayload,
      FailureListener onFailure, Runnable onDrained) {
    return new CombiningFrameWriter(channel, maxPayload, onFailure, onDrained);
  }

  /**
   * Hands a frame over for writing; it may or may not be on the wire when this returns.
   *
   * @throws IOException when the connection has already failed or the writer was stopped
   * @throws IllegalArgumentException when the payload is above the limit (nothing is sent)
   */
  void send(Frame frame) throws IOException;

  /** Queues a frame that the next {@link #send}, {@link #flush} or {@link #stop} writes. */
  void enqueue(Frame frame) throws IOException;

  /** Writes what is queued unless another thread is writing (which then takes it along). */
  default void flush() {}

  /** Frames handed over and not yet taken for writing; 0 from a writer that does not count. */
  default int queuedFrames() {
    return 0;
  }

  /** Header and payload bytes of {@link #queuedFrames}. */
  default long queuedBytes() {
    return 0;
  }

  /** Whether a payload of this size may be sent. */
  default boolean fits(int payloadLength) {
    return payloadLength <= maxPayload();
  }

  int maxPayload();

  /** Writes what was handed over (waiting up to {@code millis} for that), then stops writing. */
  void stop(long millis) throws InterruptedException;
}
