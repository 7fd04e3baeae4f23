package dev.shim4j.shim.internal;

import com.google.protobuf.Message;
import dev.shim4j.shim.Flags;
import dev.shim4j.shim.event.Publisher;
import dev.shim4j.shim.event.Publishers;

/**
 * The context's publisher: connects to containerd on the first event, so that {@code start} and
 * {@code delete}, which publish nothing, never dial containerd.
 */
final class LazyPublisher implements Publisher {
  private final Flags flags;
  private Publisher delegate;
  private boolean closed;

  LazyPublisher(Flags flags) {
    this.flags = flags;
  }

  private synchronized Publisher delegate() {
    if (closed) {
      throw new IllegalStateException("publisher closed");
    }
    if (delegate == null) {
      delegate = Publishers.create(
          flags.ttrpcAddress(), flags.publishBinary(), flags.address(), flags.namespace());
    }
    return delegate;
  }

  @Override
  public void publish(String topic, Message event) {
    delegate().publish(topic, event);
  }

  @Override
  public void close() {
    Publisher toClose;
    synchronized (this) {
      closed = true;
      toClose = delegate;
    }
    if (toClose != null) {
      toClose.close();
    }
  }
}
