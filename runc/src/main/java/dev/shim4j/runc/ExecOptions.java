package dev.shim4j.runc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Options of {@code runc exec --process FILE}: the process itself is an OCI Process JSON. */
public final class ExecOptions {
  Path pidFile;
  Path consoleSocket;
  boolean detach = true;
  ProcessIo io = ProcessIo.none();

  public static ExecOptions create() {
    return new ExecOptions();
  }

  public ExecOptions pidFile(Path p) {
    this.pidFile = p;
    return this;
  }

  public ExecOptions consoleSocket(Path p) {
    this.consoleSocket = p;
    return this;
  }

  /** Detached (the default, what a shim wants): runc returns once the process started. */
  public ExecOptions detach(boolean b) {
    this.detach = b;
    return this;
  }

  public ExecOptions io(ProcessIo io) {
    this.io = io == null ? ProcessIo.none() : io;
    return this;
  }

  List<String> args(Path processFile) {
    List<String> a = new ArrayList<>();
    a.add("--process");
    a.add(processFile.toString());
    if (detach) {
      a.add("--detach");
    }
    if (pidFile != null) {
      a.add("--pid-file");
      a.add(pidFile.toString());
    }
    if (consoleSocket != null) {
      a.add("--console-socket");
      a.add(consoleSocket.toString());
    }
    return a;
  }
}
