package dev.shim4j.ttrpc.wire;

import java.io.IOException;

/** The checks every FrameWriter makes before it takes a frame, whatever way it then writes it. */
final class FrameAdmission {
  private FrameAdmission() {}

  /**
   * @throws IllegalArgumentException when the payload is over the limit (refused locally, nothing
   *     is written)
   * @throws IOException when the connection already failed or the writer was stopped
   */
  static void check(FrameWriter writer, Frame frame, IOException failure, boolean stopped)
      throws IOException {
    if (!writer.fits(frame.payload().length)) {
      throw new IllegalArgumentException("payload of " + frame.payload().length
          + " bytes exceeds the limit of " + writer.maxPayload() + " bytes");
    }
    if (failure != null) {
      throw new IOException("connection is broken: " + failure.getMessage(), failure);
    }
    if (stopped) {
      throw new IOException("connection is closed");
    }
  }
}
