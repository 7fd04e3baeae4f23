package dev.shim4j.shim.reaper;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/** The reaper's {@link Child}: a pid, the future the reaper completes, and the parent pipe ends. */
record SpawnedChild(
    int pid, CompletableFuture<Exit> exit, OutputStream stdin, InputStream stdout, InputStream stderr)
    implements Child {}
