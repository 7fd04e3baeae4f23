package dev.shim4j.sys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Not a test: prints how long the FIRST use of each native call a shim daemon needs takes in a
 * fresh JVM (linking included), one "name micros" line per step and a total. Run it in several
 * fresh JVMs and compare medians; see docs/benchmarks/shim.md ("FFM linking").
 */
public final class FirstCallTimes {
  private static final Map<String, Long> TIMES = new LinkedHashMap<>();

  interface Step {
    void run() throws Exception;
  }

  private static void time(String name, Step step) throws Exception {
    long t0 = System.nanoTime();
    step.run();
    TIMES.put(name, (System.nanoTime() - t0) / 1000);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("first-call");
    int[] pid = new int[1];
    Fds.Pipe[] pipe = new Fds.Pipe[1];
    int[] fd = new int[1];
    long start = System.nanoTime();
    time("getpid", () -> Processes.getpid());
    time("pipe2", () -> pipe[0] = Fds.pipe());
    time("dup2", () -> fd[0] = Fds.dup2(pipe[0].writeFd(), 100));
    time("close", () -> Fds.close(fd[0]));
    time("fcntl", () -> Fds.setCloexec(pipe[0].readFd(), true));
    time("open", () -> Fds.close(Fds.open(Path.of("/dev/null"), Fds.O_RDONLY)));
    time("write", () -> Fds.writeFully(pipe[0].writeFd(), new byte[] {1, 2, 3}, 0, 3));
    time("read", () -> Fds.read(pipe[0].readFd(), new byte[3], 0, 3));
    time("prctl", () -> Processes.setChildSubreaper(true));
    time("posix_spawn", () -> pid[0] = Spawn.of("/bin/true").devNull(0).start());
    time("waitpid", () -> Processes.waitpid(pid[0], 0));
    time("kill", () -> Processes.kill(Processes.getpid(), 0));
    time("epoll", () -> FdPoller.get().await(pipe[0].readFd(), Fds.POLLIN, 1, new CompletableFuture<>()));
    time("socket+bind+listen", () -> Fds.close(UnixSockets.listen(dir.resolve("s"), 8)));
    long total = (System.nanoTime() - start) / 1000;
    TIMES.forEach((k, v) -> System.out.println(k + " " + v));
    System.out.println("TOTAL " + total);
    pipe[0].close();
    Files.deleteIfExists(dir.resolve("s"));
    Files.delete(dir);
  }
}
