package dev.shim4j.shim.reaper;

/** Where a spawned child's stdin, stdout or stderr goes. */
public sealed interface Stdio {
  /** The shim's own descriptor. */
  record Inherit() implements Stdio {}

  /** /dev/null. */
  record Null() implements Stdio {}

  /** A descriptor the caller owns (a FIFO, a pipe end, a pty); the child gets a duplicate. */
  record Fd(int fd) implements Stdio {}

  /** A new pipe; the parent's end is on {@link Child#stdin()}/{@code stdout()}/{@code stderr()}. */
  record Pipe() implements Stdio {}

  static Stdio inherit() {
    return new Inherit();
  }

  static Stdio devNull() {
    return new Null();
  }

  static Stdio fd(int fd) {
    return new Fd(fd);
  }

  static Stdio pipe() {
    return new Pipe();
  }
}
