package dev.shim4j.runc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Options of {@code runc create} (and the process part of {@code runc restore}). */
public final class CreateOptions {
  Path pidFile;
  Path consoleSocket;
  boolean noPivot;
  boolean noNewKeyring;
  ProcessIo io = ProcessIo.none();

  public static CreateOptions create() {
    return new CreateOptions();
  }

  /** runc writes the container's init pid here once it exists. */
  public CreateOptions pidFile(Path p) {
    this.pidFile = p;
    return this;
  }

  /** A Unix socket on which runc sends the pty master (terminal containers only). */
  public CreateOptions consoleSocket(Path p) {
    this.consoleSocket = p;
    return this;
  }

  public CreateOptions noPivot(boolean b) {
    this.noPivot = b;
    return this;
  }

  public CreateOptions noNewKeyring(boolean b) {
    this.noNewKeyring = b;
    return this;
  }

  /** The container process's stdio (runc passes its own on); ignored with a console socket. */
  public CreateOptions io(ProcessIo io) {
    this.io = io == null ? ProcessIo.none() : io;
    return this;
  }

  List<String> args() {
    List<String> a = new ArrayList<>();
    if (pidFile != null) {
      a.add("--pid-file");
      a.add(pidFile.toString());
    }
    if (consoleSocket != null) {
      a.add("--console-socket");
      a.add(consoleSocket.toString());
    }
    if (noPivot) {
      a.add("--no-pivot");
    }
    if (noNewKeyring) {
      a.add("--no-new-keyring");
    }
    return a;
  }
}
