package dev.shim4j.examples.wasm;

/**
 * What a signal does to a process that never changed its dispositions, which is what a wasm
 * instance is (WASI preview 1 has no signal handlers): it ends it, is ignored, or stops it.
 */
final class Signals {
  enum Action { TERMINATE, IGNORE, STOP }

  private static final int SIGCHLD = 17;
  private static final int SIGCONT = 18;
  private static final int SIGSTOP = 19;
  private static final int SIGTTOU = 22;
  private static final int SIGURG = 23;
  private static final int SIGWINCH = 28;
  private static final int SIGRTMAX = 64;

  private Signals() {}

  /** The default action of {@code signal}; 0 (the existence probe) does nothing. */
  static Action defaultAction(int signal) {
    if (signal < 0 || signal > SIGRTMAX) {
      throw dev.shim4j.ttrpc.TtrpcException.invalidArgument("no signal " + signal);
    }
    if (signal == 0 || signal == SIGCHLD || signal == SIGCONT || signal == SIGURG || signal == SIGWINCH) {
      return Action.IGNORE;
    }
    if (signal >= SIGSTOP && signal <= SIGTTOU) {
      return Action.STOP;
    }
    return Action.TERMINATE;
  }
}
