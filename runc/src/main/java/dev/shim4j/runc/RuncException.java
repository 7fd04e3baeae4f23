package dev.shim4j.runc;

import java.io.IOException;
import java.util.List;

/**
 * runc failed. The message carries what runc itself said (the last error of its JSON log, else
 * its stderr), so a person reading containerd's error can act on it.
 */
public final class RuncException extends IOException {
  private final List<String> argv;
  private final int status;
  private final String runcMessage;

  public RuncException(List<String> argv, int status, String runcMessage) {
    super(describe(argv, status, runcMessage));
    this.argv = List.copyOf(argv);
    this.status = status;
    this.runcMessage = runcMessage == null ? "" : runcMessage;
  }

  /** The runc command line (binary, global options, subcommand, arguments). */
  public List<String> argv() {
    return argv;
  }

  /** runc's exit status (128 + n when killed by signal n; -1 when it never finished). */
  public int status() {
    return status;
  }

  /** What runc said, without our decoration; empty when it said nothing. */
  public String runcMessage() {
    return runcMessage;
  }

  /** True when runc reports the container does not exist (or no longer runs). */
  public boolean isNotFound() {
    String m = runcMessage.toLowerCase(java.util.Locale.ROOT);
    return m.contains("does not exist")
        || m.contains("not found")
        || m.contains("container not running")
        || m.contains("process already finished")
        || m.contains("no such process");
  }

  private static String describe(List<String> argv, int status, String msg) {
    String sub = subcommand(argv);
    String head = "runc " + sub + (status >= 0 ? " failed (exit status " + status + ")" : " failed");
    return msg == null || msg.isBlank() ? head : head + ": " + msg.strip();
  }

  private static String subcommand(List<String> argv) {
    // The first argument after the global options that does not start with '-' and is not an
    // option's value; global options with values are --root, --log, --log-format, --criu.
    for (int i = 1; i < argv.size(); i++) {
      String a = argv.get(i);
      if (a.equals("--root") || a.equals("--log") || a.equals("--log-format") || a.equals("--criu")) {
        i++;
        continue;
      }
      if (!a.startsWith("-")) {
        return a;
      }
    }
    return "";
  }
}
