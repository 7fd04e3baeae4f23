package dev.shim4j.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Linux signal numbers (x86_64), their names, and handling of signals sent to this JVM.
 *
 * <p>Handlers run through {@code sun.misc.Signal} (module jdk.unsupported): the JVM's own signal
 * dispatcher thread calls them, so they must return quickly. The JVM reserves some signals (SIGSEGV,
 * SIGQUIT, ...); {@link #handle} throws IllegalArgumentException for those.
 */
public final class Signals {
  private static final Native.Fn SIGACTION = Native.fn("sigaction");
  private static final Native.Fn SIGNAL = Native.fn("signal");
  private static final long SIG_DFL = 0;
  private static final long SIG_IGN = 1;
  private static final long SIGACTION_SIZE = 152;
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGQUIT = 3;
  public static final int SIGILL = 4;
  public static final int SIGTRAP = 5;
  public static final int SIGABRT = 6;
  public static final int SIGBUS = 7;
  public static final int SIGFPE = 8;
  public static final int SIGKILL = 9;
  public static final int SIGUSR1 = 10;
  public static final int SIGSEGV = 11;
  public static final int SIGUSR2 = 12;
  public static final int SIGPIPE = 13;
  public static final int SIGALRM = 14;
  public static final int SIGTERM = 15;
  public static final int SIGSTKFLT = 16;
  public static final int SIGCHLD = 17;
  public static final int SIGCONT = 18;
  public static final int SIGSTOP = 19;
  public static final int SIGTSTP = 20;
  public static final int SIGTTIN = 21;
  public static final int SIGTTOU = 22;
  public static final int SIGURG = 23;
  public static final int SIGXCPU = 24;
  public static final int SIGXFSZ = 25;
  public static final int SIGVTALRM = 26;
  public static final int SIGPROF = 27;
  public static final int SIGWINCH = 28;
  public static final int SIGIO = 29;
  public static final int SIGPWR = 30;
  public static final int SIGSYS = 31;

  private static final String[] NAMES = {
    null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
    "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
  };
  private static final Map<String, Integer> BY_NAME = byName();

  private Signals() {}

  /** "SIGTERM" for 15; "SIGRTMIN+n" / "signal n" for others. */
  public static String name(int signal) {
    if (signal > 0 && signal < NAMES.length) {
      return "SIG" + NAMES[signal];
    }
    if (signal >= 34 && signal <= 64) {
      return "SIGRTMIN+" + (signal - 34);
    }
    return "signal " + signal;
  }

  /**
   * Parses "SIGTERM", "TERM", "term" or "15" (the forms `kill` and containerd accept).
   *
   * @throws IllegalArgumentException for an unknown name or a number outside 1..64
   */
  public static int parse(String text) {
    Objects.requireNonNull(text, "signal");
    String s = text.trim().toUpperCase(Locale.ROOT);
    if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
      int n = Integer.parseInt(s);
      if (n < 1 || n > 64) {
        throw new IllegalArgumentException("signal out of range: " + text);
      }
      return n;
    }
    if (s.startsWith("SIG")) {
      s = s.substring(3);
    }
    Integer n = BY_NAME.get(s);
    if (n == null) {
      throw new IllegalArgumentException("unknown signal: " + text);
    }
    return n;
  }

  /**
   * Runs {@code handler} (with the signal number) whenever this JVM receives {@code signal}, instead
   * of the default action. Typical use: SIGTERM/SIGINT start an orderly shutdown.
   *
   * <p>Also when the process started with {@code signal} ignored, as a shell's background job
   * starts with SIGINT and a {@code nohup}'d one with SIGHUP: the JVM would keep an inherited
   * SIG_IGN of its shutdown signals and silently not install the handler, so the disposition is
   * set back to default first (what Go's {@code signal.Notify} does too). Only an ignored one is
   * touched, so the JVM's own handler of a signal is never removed, even for an instant.
   */
  @SuppressWarnings("removal")
  public static void handle(int signal, IntConsumer handler) {
    Objects.requireNonNull(handler, "handler");
    sun.misc.Signal named = new sun.misc.Signal(NAMES[checkNamed(signal)]);
    if (isIgnored(signal)) {
      SIGNAL.call(Native.NO_ERRNO, signal, SIG_DFL);
    }
    sun.misc.Signal.handle(named, s -> handler.accept(s.getNumber()));
  }

  /** Whether this process ignores {@code signal} (its disposition is SIG_IGN). */
  public static boolean isIgnored(int signal) {
    checkNamed(signal);
    try (Arena arena = Arena.ofConfined()) {
      // struct sigaction (x86_64 glibc): the handler comes first; the whole struct is 152 bytes.
      MemorySegment old = arena.allocate(SIGACTION_SIZE, 8);
      MemorySegment err = Native.errnoBuffer(arena);
      if (SIGACTION.call(err, signal, 0, Native.ptr(old)) != 0) {
        throw new IllegalStateException("sigaction " + name(signal) + ": " + Native.errno(err));
      }
      return old.get(ValueLayout.JAVA_LONG, 0) == SIG_IGN;
    }
  }

  /**
   * Ignores {@code signal} in this JVM (e.g. SIGPIPE, so a write to a closed pipe fails with EPIPE
   * instead of ending the process). Children spawned through {@link Spawn} still start with every
   * disposition reset to default.
   */
  @SuppressWarnings("removal")
  public static void ignore(int signal) {
    sun.misc.Signal.handle(new sun.misc.Signal(NAMES[checkNamed(signal)]), sun.misc.SignalHandler.SIG_IGN);
  }

  /** Sends {@code signal} to this JVM itself (tests of signal handling). */
  @SuppressWarnings("removal")
  public static void raise(int signal) {
    sun.misc.Signal.raise(new sun.misc.Signal(NAMES[checkNamed(signal)]));
  }

  private static int checkNamed(int signal) {
    if (signal <= 0 || signal >= NAMES.length) {
      throw new IllegalArgumentException("no handler support for " + name(signal));
    }
    return signal;
  }

  private static Map<String, Integer> byName() {
    var map = new java.util.HashMap<String, Integer>();
    for (int i = 1; i < NAMES.length; i++) {
      map.put(NAMES[i], i);
    }
    map.put("IOT", SIGABRT);
    map.put("POLL", SIGIO);
    map.put("CLD", SIGCHLD);
    return Map.copyOf(map);
  }
}
