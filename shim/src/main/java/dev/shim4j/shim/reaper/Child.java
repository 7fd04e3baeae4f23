package dev.shim4j.shim.reaper;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/** A process the reaper spawned. Its exit completes {@link #exit()}; nobody else may wait on it. */
public interface Child {
  int pid();

  CompletableFuture<Exit> exit();

  /** The parent's end of a {@link Stdio.Pipe} stdin; null for any other Stdio. */
  OutputStream stdin();

  /** The parent's end of a {@link Stdio.Pipe} stdout; null for any other Stdio. */
  InputStream stdout();

  /** The parent's end of a {@link Stdio.Pipe} stderr; null for any other Stdio. */
  InputStream stderr();
}
