package dev.shim4j.shim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of the daemon: the JVM command line of this {@code start} process (JVM
 * options, class path, main class, flags), read from /proc/self/cmdline, with the action removed.
 * Reusing it keeps whatever the launcher chose (heap size, AOT cache, class path) identical in the
 * daemon.
 */
final class DaemonCommandLine {
  private DaemonCommandLine() {}

  static List<String> current() throws IOException {
    byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
    List<String> cmdline = split(raw);
    String executable = ProcessHandle.current().info().command()
        .orElseThrow(() -> new IOException("cannot tell which java binary runs this process"));
    return withoutAction(cmdline, executable);
  }

  /** Splits NUL-terminated arguments. */
  static List<String> split(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    if (text.endsWith("\0")) {
      text = text.substring(0, text.length() - 1);
    }
    return text.isEmpty() ? List.of() : Arrays.asList(text.split("\0", -1));
  }

  /**
   * {@code cmdline} with argv[0] replaced by the absolute {@code executable} (posix_spawn does not
   * search PATH) and the trailing action removed: the action is the last argument (Go's flag
   * parsing stops at it and nothing may follow it), optionally preceded by {@code --}.
   */
  static List<String> withoutAction(List<String> cmdline, String executable) throws IOException {
    int last = cmdline.size() - 1;
    if (last < 1 || !cmdline.get(last).equals(Flags.ACTION_START)) {
      throw new IOException("cannot find the start action at the end of the command line " + cmdline);
    }
    List<String> argv = new ArrayList<>(cmdline.subList(0, last));
    if (argv.getLast().equals("--")) {
      argv.removeLast();
    }
    argv.set(0, executable);
    return argv;
  }
}
