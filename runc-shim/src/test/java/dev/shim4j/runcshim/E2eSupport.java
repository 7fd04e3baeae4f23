package dev.shim4j.runcshim;

import dev.shim4j.testkit.Launchers;
import dev.shim4j.testkit.PrivateContainerd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Shared pieces of the end-to-end tests: the launcher, unique ids, polling. */
final class E2eSupport {
  static final String SHIM_NAME = "containerd-shim-runc4j-v2";
  /** Startup-friendly JVM flags for a short-lived shim. */
  static final List<String> JVM_ARGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");
  private static final AtomicInteger SEQ = new AtomicInteger();

  private E2eSupport() {}

  static Path launcher() {
    try {
      Path dir = Files.createTempDirectory("runc4j-launcher");
      return Launchers.write(dir, SHIM_NAME, Main.class.getName(), JVM_ARGS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every id and group key the tests used: the leak check looks for their sockets. */
  static final java.util.Set<String> USED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static String id(String prefix) {
    String id = prefix + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    USED.add(id);
    return id;
  }

  static boolean eventually(Duration timeout, BooleanSupplier cond) throws InterruptedException {
    return dev.shim4j.testkit.Eventually.eventually(timeout, cond);
  }

  static Path bundle(PrivateContainerd cd, String id) {
    return cd.bundle(id);
  }
}
