package dev.shim4j.shim.log;

import java.io.IOException;

/** Where formatted lines go. Used by one writer thread only. */
interface LogSink extends AutoCloseable {
  /**
   * Writes one whole line, or nothing when the destination cannot take it now (no reader, full
   * pipe): then it returns false and the line counts as dropped. Never blocks for long.
   */
  boolean write(byte[] line) throws IOException;

  @Override
  void close();
}
