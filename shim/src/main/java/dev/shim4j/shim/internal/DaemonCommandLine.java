package dev.shim4j.shim.internal;

import dev.shim4j.shim.Flags;
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
  /** This JVM's command line as it was started, read once (see {@link #started}). */
  private static volatile List<String> started;

  private DaemonCommandLine() {}

  /**
   * This JVM's command line as it was started: read from /proc/self/cmdline the first time, and
   * kept, because an adopted spare then shows another one there (see Prefork.retitle), without
   * the JVM options that the daemons it spawns must get.
   */
  static List<String> started() throws IOException {
    List<String> cmdline = started;
    if (cmdline == null) {
      cmdline = List.copyOf(split(Files.readAllBytes(Path.of("/proc/self/cmdline"))));
      started = cmdline;
    }
    return cmdline;
  }

  static List<String> current() throws IOException {
    List<String> cmdline = started();
    String executable = ProcessHandle.current().info().command()
        .orElseThrow(() -> new IOException("cannot tell which java binary runs this process"));
    return withoutAction(cmdline, executable);
  }

  /**
   * The command line of a daemon for another launcher's start: this JVM's command line up to its
   * main class (the launcher's JVM options, class path and AOT cache are the same for every start
   * of this runtime), then {@code startArgs} without the action.
   */
  static List<String> forStart(List<String> startArgs) throws IOException {
    List<String> cmdline = started();
    String executable = ProcessHandle.current().info().command()
        .orElseThrow(() -> new IOException("cannot tell which java binary runs this process"));
    return withoutAction(jvmPart(cmdline, mainClass(), startArgs), executable);
  }

  /** This JVM's main class, as the launcher named it. */
  static String mainClass() {
    return System.getProperty("sun.java.command", "").split(" ", 2)[0];
  }

  /** {@code cmdline} up to and with {@code mainClass}, then {@code args}. */
  static List<String> jvmPart(List<String> cmdline, String mainClass, List<String> args) throws IOException {
    int main = mainClass.isEmpty() ? -1 : cmdline.subList(1, cmdline.size()).indexOf(mainClass) + 1;
    if (main < 1) {
      throw new IOException("cannot find the main class " + mainClass + " in " + cmdline);
    }
    List<String> argv = new ArrayList<>(cmdline.subList(0, main + 1));
    argv.addAll(args);
    return argv;
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
