package dev.shim4j.shim.reaper;

import java.nio.charset.StandardCharsets;

/** A finished command with its captured output. */
public record CommandResult(int status, byte[] stdout, byte[] stderr) {
  public boolean succeeded() {
    return status == 0;
  }

  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }
}
