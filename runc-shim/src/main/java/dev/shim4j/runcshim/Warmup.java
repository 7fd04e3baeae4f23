package dev.shim4j.runcshim;

import dev.shim4j.api.Anys;
import dev.shim4j.api.events.TaskCreate;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskStart;
import dev.shim4j.api.task.v2.CreateTaskResponse;
import dev.shim4j.runc.Json;
import dev.shim4j.runc.Runc;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.MountInfo;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;

/**
 * Loads what the first Create needs (protobuf descriptors of the events, the runc client, FFM
 * downcalls for pipes, the mount table parser) on a second core while the daemon's server comes
 * up: containerd sends Create the moment the socket answers, and a cold JVM would pay all of it
 * inside that call. Side-effect free; a failure only costs the head start.
 */
final class Warmup {
  private static final Logger LOG = ShimLogging.logger(Warmup.class);

  private Warmup() {}

  static void start() {
    Thread.ofPlatform().daemon().name("warmup").start(Warmup::run);
  }

  private static void run() {
    try {
      Anys.pack(TaskCreate.getDefaultInstance());
      Anys.pack(TaskStart.getDefaultInstance());
      Anys.pack(TaskExit.getDefaultInstance());
      CreateTaskResponse.newBuilder().setPid(1).build().toByteArray();
      Json.parse("{\"a\":[1,\"b\",true,null]}");
      Runc.builder().build().globalArgs();
      StdioTarget.parse("binary:///bin/true?a=b");
      try (Fds.Pipe p = Fds.pipe()) {
        Fds.isOpen(p.readFd());
      }
      MountInfo.current();
    } catch (Exception | LinkageError e) {
      LOG.log(Level.DEBUG, "warm-up: " + e);
    }
  }
}
