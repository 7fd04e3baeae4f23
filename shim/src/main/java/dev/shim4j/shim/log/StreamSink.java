package dev.shim4j.shim.log;

import java.io.IOException;
import java.io.OutputStream;

/** An OutputStream such as stderr; the stream is not closed with the sink. */
final class StreamSink implements LogSink {
  private final OutputStream out;

  StreamSink(OutputStream out) {
    this.out = out;
  }

  @Override
  public boolean write(byte[] line) throws IOException {
    out.write(line);
    out.flush();
    return true;
  }

  @Override
  public void close() {
    try {
      out.flush();
    } catch (IOException ignored) {
      // stderr gone: nowhere to report it.
    }
  }
}
