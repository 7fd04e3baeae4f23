package dev.shim4j.runc;

import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.CommandResult;
import dev.shim4j.shim.reaper.Exit;
import dev.shim4j.shim.reaper.Stdio;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Test-only runner (ProcessBuilder is fine in tests): lets the runc client's argv building and
 * parsing be tested without the shim's reaper. Supports /dev/null, inherit and pipes only.
 */
final class ProcessBuilderRunner implements CommandRunner {
  @Override
  public CommandResult run(Command command, byte[] stdin, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    Process p = builder(command).redirectInput(ProcessBuilder.Redirect.PIPE)
        .redirectOutput(ProcessBuilder.Redirect.PIPE)
        .redirectError(ProcessBuilder.Redirect.PIPE)
        .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    }
    CompletableFuture<byte[]> out = readAll(p.getInputStream());
    CompletableFuture<byte[]> err = readAll(p.getErrorStream());
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new TimeoutException();
    }
    return new CommandResult(p.exitValue(), out.join(), err.join());
  }

  @Override
  public Child spawn(Command command) throws IOException {
    ProcessBuilder b = builder(command);
    b.redirectInput(redirect(command.stdin(), true));
    b.redirectOutput(redirect(command.stdout(), false));
    b.redirectError(redirect(command.stderr(), false));
    Process p = b.start();
    CompletableFuture<Exit> exit =
        p.onExit().thenApply(x -> new Exit((int) x.pid(), x.exitValue(), Instant.now()));
    return new Child() {
      @Override
      public int pid() {
        return (int) p.pid();
      }

      @Override
      public CompletableFuture<Exit> exit() {
        return exit;
      }

      @Override
      public OutputStream stdin() {
        return command.stdin() instanceof Stdio.Pipe ? p.getOutputStream() : null;
      }

      @Override
      public InputStream stdout() {
        return command.stdout() instanceof Stdio.Pipe ? p.getInputStream() : null;
      }

      @Override
      public InputStream stderr() {
        return command.stderr() instanceof Stdio.Pipe ? p.getErrorStream() : null;
      }
    };
  }

  private static ProcessBuilder builder(Command command) {
    ProcessBuilder b = new ProcessBuilder(command.argv());
    if (command.env() != null) {
      b.environment().clear();
      b.environment().putAll(command.env());
    }
    if (command.cwd() != null) {
      b.directory(command.cwd().toFile());
    }
    return b;
  }

  private static ProcessBuilder.Redirect redirect(Stdio s, boolean input) {
    return switch (s) {
      case Stdio.Pipe p -> ProcessBuilder.Redirect.PIPE;
      case Stdio.Inherit i -> ProcessBuilder.Redirect.INHERIT;
      case Stdio.Null n ->
          input ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.DISCARD;
      case Stdio.Fd f -> throw new UnsupportedOperationException("fd stdio needs the reaper");
    };
  }

  private static CompletableFuture<byte[]> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            return in.readAllBytes();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        },
        r -> Thread.ofPlatform().daemon().start(r));
  }
}
