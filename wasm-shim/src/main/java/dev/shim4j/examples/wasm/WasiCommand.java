package dev.shim4j.examples.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A parsed WASI command module (one that exports {@code _start}), checked at Create so that a
 * module that cannot run fails Create with a reason, as a missing binary fails runc's create:
 * the bytes must parse and validate, and every import must be a function of WASI preview 1.
 *
 * <p>{@link #run} instantiates and runs it on the calling thread. Its memory is capped at
 * {@code maxMemoryBytes} (the container's memory limit, or a default): one instance cannot grow
 * the shared daemon's heap past that, and a module whose initial memory is already larger fails.
 */
final class WasiCommand {
  static final String WASI_MODULE = "wasi_snapshot_preview1";
  static final String START = "_start";
  private static final int PAGE = 64 * 1024;
  /** WASI preview 1's function names, as Chicory provides them. */
  private static final Set<String> WASI_FUNCTIONS = wasiFunctionNames();

  private final WasmModule module;
  private final int maxPages;

  private WasiCommand(WasmModule module, int maxPages) {
    this.module = module;
    this.maxPages = maxPages;
  }

  /** Parses and checks {@code bytes}; IllegalArgumentException says why they cannot run. */
  static WasiCommand parse(byte[] bytes, long maxMemoryBytes) {
    WasmModule module;
    try {
      module = Parser.parse(bytes);
    } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("not a valid WebAssembly module: " + e.getMessage(), e);
    }
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import imp = module.importSection().getImport(i);
      if (imp.importType() != ExternalType.FUNCTION || !imp.module().equals(WASI_MODULE)
          || !WASI_FUNCTIONS.contains(imp.name())) {
        throw new IllegalArgumentException("imports " + imp.module() + "." + imp.name()
            + ": only functions of " + WASI_MODULE + " are provided");
      }
    }
    boolean hasStart = false;
    for (int i = 0; i < module.exportSection().exportCount(); i++) {
      var export = module.exportSection().getExport(i);
      hasStart |= export.name().equals(START) && export.exportType() == ExternalType.FUNCTION;
    }
    if (!hasStart) {
      throw new IllegalArgumentException("exports no " + START + " function: not a WASI command");
    }
    int pages = (int) Math.max(0, Math.min(MemoryLimits.MAX_PAGES, maxMemoryBytes / PAGE));
    return new WasiCommand(module, pages);
  }

  /** The arguments, environment and stdio an instance runs with. */
  record Io(List<String> args, Map<String, String> env, InputStream stdin, OutputStream stdout, OutputStream stderr) {}

  /**
   * Instantiates the module and runs {@code _start} on this thread; returns the exit status:
   * {@code proc_exit}'s code, 0 when {@code _start} returns, {@link ExitStatus#TRAP} for a trap
   * (the reason goes to the instance's stderr, as a runtime's own message would).
   *
   * @throws ChicoryInterruptedException when this thread was interrupted (the instance was killed)
   */
  int run(Io io) {
    WasiOptions.Builder options = WasiOptions.builder()
        .withArguments(io.args())
        .withStdin(io.stdin())
        .withStdout(io.stdout())
        .withStderr(io.stderr());
    io.env().forEach(options::withEnvironment);
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options.build()).build()) {
      Instance instance = Instance.builder(module)
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build())
          .withMemoryFactory(cappedMemory())
          // Chicory would run _start itself at instantiation (and swallow what ends it): it runs
          // below, once, where proc_exit and traps are seen.
          .withStart(false)
          .build();
      instance.export(START).apply();
      return 0;
    } catch (WasiExitException e) {
      return e.exitCode();
    } catch (ChicoryInterruptedException e) {
      throw e;
    } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException | ArithmeticException
        | StackOverflowError | OutOfMemoryError e) {
      // Chicory reports traps as ChicoryException (TrapException, WasmRuntimeException) but some
      // as the JVM's own exceptions; a runaway recursion or allocation is the instance's fault
      // alone, so it ends the instance and not the daemon.
      // Chicory's WASI sleep (poll_oneoff) reports an interrupt as a plain ChicoryException
      // whose cause is the InterruptedException, the thread's flag already cleared.
      if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
        throw new ChicoryInterruptedException("killed", e);
      }
      report(io.stderr(), e);
      return ExitStatus.TRAP;
    }
  }

  private Function<MemoryLimits, Memory> cappedMemory() {
    return declared -> {
      if (declared.initialPages() > maxPages) {
        throw new IllegalArgumentException("the module's initial memory (" + declared.initialPages()
            + " pages of 64 KiB) is more than the container may have (" + maxPages + " pages)");
      }
      return new ByteArrayMemory(new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), maxPages)));
    };
  }

  private static void report(OutputStream stderr, Throwable e) {
    try {
      PrintStream out = new PrintStream(stderr, true, StandardCharsets.UTF_8);
      out.println("wasm trap: " + e);
      out.flush();
    } catch (RuntimeException ignored) {
      // stderr gone: the exit status still says it
    }
  }

  private static Set<String> wasiFunctionNames() {
    Set<String> names = new HashSet<>();
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(WasiOptions.builder().build()).build()) {
      for (HostFunction f : wasi.toHostFunctions()) {
        names.add(f.name());
      }
    }
    return Set.copyOf(names);
  }
}
