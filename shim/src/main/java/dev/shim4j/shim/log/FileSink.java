package dev.shim4j.shim.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A regular file, appended to (tests and `ctr`-less manual runs use a plain {@code log} file). */
final class FileSink implements LogSink {
  private final FileChannel channel;

  FileSink(Path file) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }

  @Override
  public boolean write(byte[] line) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(line);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    return true;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing left to tell anyone: the log itself is what failed.
    }
  }
}
