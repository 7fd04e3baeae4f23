package dev.shim4j.examples.wasm;

import dev.shim4j.examples.wasm.WasmAssembler.Code;
import java.util.List;
import java.util.Map;

/**
 * The WASI command modules the tests run, assembled at test time ({@link WasmAssembler}).
 *
 * <ul>
 *   <li>{@code echo.wasm}: writes its arguments to stdout and its environment to stderr (each
 *       string NUL-terminated, as WASI hands them over), then copies stdin to stdout until end of
 *       file, then exits with {@code proc_exit(argc)};
 *   <li>{@code loop.wasm}: loops for ever (until killed);
 *   <li>{@code trap.wasm}: traps at once ({@code unreachable}).
 * </ul>
 */
final class TestModules {
  static final String ECHO = "/echo.wasm";
  static final String LOOP = "/loop.wasm";
  static final String TRAP = "/trap.wasm";

  // echo.wasm's memory (one 64 KiB page): where each thing lives.
  private static final int ARGC = 0;
  private static final int ARGV_BUF_SIZE = 4;
  private static final int ENVC = 8;
  private static final int ENV_BUF_SIZE = 12;
  private static final int IOVEC = 16; // {ptr, len}
  private static final int COUNT = 24; // bytes written or read
  private static final int ARGV_PTRS = 1024;
  private static final int ENV_PTRS = 2048;
  private static final int ARGV_BUF = 4096;
  private static final int ENV_BUF = 16384;
  private static final int STDIN_BUF = 32768;
  private static final int STDIN_CHUNK = 4096;

  private TestModules() {}

  /** Every module, by its path in the image (no leading slash). */
  static Map<String, byte[]> files() {
    return Map.of("echo.wasm", echo(), "loop.wasm", loop(), "trap.wasm", trap());
  }

  static byte[] echo() {
    var asm = new WasmAssembler();
    byte i32 = WasmAssembler.I32;
    int twoToOne = asm.type(new byte[] {i32, i32}, new byte[] {i32});
    int fourToOne = asm.type(new byte[] {i32, i32, i32, i32}, new byte[] {i32});
    int oneToNone = asm.type(new byte[] {i32}, new byte[0]);
    int none = asm.type(new byte[0], new byte[0]);
    String wasi = "wasi_snapshot_preview1";
    int argsSizesGet = asm.importFunction(wasi, "args_sizes_get", twoToOne);
    int argsGet = asm.importFunction(wasi, "args_get", twoToOne);
    int environSizesGet = asm.importFunction(wasi, "environ_sizes_get", twoToOne);
    int environGet = asm.importFunction(wasi, "environ_get", twoToOne);
    int fdWrite = asm.importFunction(wasi, "fd_write", fourToOne);
    int fdRead = asm.importFunction(wasi, "fd_read", fourToOne);
    int procExit = asm.importFunction(wasi, "proc_exit", oneToNone);

    Code c = new Code();
    // args to stdout
    c.i32Const(ARGC).i32Const(ARGV_BUF_SIZE).call(argsSizesGet).drop();
    c.i32Const(ARGV_PTRS).i32Const(ARGV_BUF).call(argsGet).drop();
    iovec(c, ARGV_BUF, ARGV_BUF_SIZE);
    c.i32Const(1).i32Const(IOVEC).i32Const(1).i32Const(COUNT).call(fdWrite).drop();
    // environment to stderr
    c.i32Const(ENVC).i32Const(ENV_BUF_SIZE).call(environSizesGet).drop();
    c.i32Const(ENV_PTRS).i32Const(ENV_BUF).call(environGet).drop();
    iovec(c, ENV_BUF, ENV_BUF_SIZE);
    c.i32Const(2).i32Const(IOVEC).i32Const(1).i32Const(COUNT).call(fdWrite).drop();
    // stdin to stdout until end of file (or an error)
    c.block().loop();
    c.i32Const(IOVEC).i32Const(STDIN_BUF).i32Store();
    c.i32Const(IOVEC + 4).i32Const(STDIN_CHUNK).i32Store();
    c.i32Const(0).i32Const(IOVEC).i32Const(1).i32Const(COUNT).call(fdRead).brIf(1);
    c.i32Const(COUNT).i32Load().i32Eqz().brIf(1);
    iovec(c, STDIN_BUF, COUNT);
    c.i32Const(1).i32Const(IOVEC).i32Const(1).i32Const(COUNT).call(fdWrite).drop();
    c.br(0).end().end();
    // exit with argc
    c.i32Const(ARGC).i32Load().call(procExit);
    int start = asm.function(none, c);
    return asm.memory(1).exportMemory("memory").exportFunction("_start", start).bytes();
  }

  /** Sets the iovec to {@code ptr} and the length stored at {@code lengthAt}. */
  private static void iovec(Code c, int ptr, int lengthAt) {
    c.i32Const(IOVEC).i32Const(ptr).i32Store();
    c.i32Const(IOVEC + 4).i32Const(lengthAt).i32Load().i32Store();
  }

  static byte[] loop() {
    var asm = new WasmAssembler();
    int none = asm.type(new byte[0], new byte[0]);
    int start = asm.function(none, new Code().loop().br(0).end());
    return asm.exportFunction("_start", start).bytes();
  }

  static byte[] trap() {
    var asm = new WasmAssembler();
    int none = asm.type(new byte[0], new byte[0]);
    int start = asm.function(none, new Code().unreachable());
    return asm.exportFunction("_start", start).bytes();
  }

  /** What echo.wasm writes for these strings: each followed by a NUL. */
  static String nulTerminated(List<String> strings) {
    StringBuilder b = new StringBuilder();
    strings.forEach(s -> b.append(s).append('\0'));
    return b.toString();
  }
}
