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
 *   <li>{@code trap.wasm}: traps at once ({@code unreachable});
 *   <li>{@code hello.wasm}: writes "hello\n" to stdout and returns (exit status 0);
 *   <li>{@code sleep.wasm}: sleeps in WASI's {@code poll_oneoff} for an hour at a time, for ever
 *       (a running container that takes no CPU).
 * </ul>
 */
final class TestModules {
  static final String ECHO = "/echo.wasm";
  static final String LOOP = "/loop.wasm";
  static final String TRAP = "/trap.wasm";
  static final String HELLO = "/hello.wasm";
  static final String SLEEP = "/sleep.wasm";
  private static final String WASI = "wasi_snapshot_preview1";

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
    return Map.of("echo.wasm", echo(), "loop.wasm", loop(), "trap.wasm", trap(), "hello.wasm", hello(),
        "sleep.wasm", sleep());
  }

  static byte[] echo() {
    var asm = new WasmAssembler();
    byte i32 = WasmAssembler.I32;
    int twoToOne = asm.type(new byte[] {i32, i32}, new byte[] {i32});
    int fourToOne = asm.type(new byte[] {i32, i32, i32, i32}, new byte[] {i32});
    int oneToNone = asm.type(new byte[] {i32}, new byte[0]);
    int none = asm.type(new byte[0], new byte[0]);
    String wasi = WASI;
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

  static byte[] hello() {
    var asm = new WasmAssembler();
    byte i32 = WasmAssembler.I32;
    int fourToOne = asm.type(new byte[] {i32, i32, i32, i32}, new byte[] {i32});
    int none = asm.type(new byte[0], new byte[0]);
    int fdWrite = asm.importFunction(WASI, "fd_write", fourToOne);
    int text = 64;
    Code c = new Code();
    c.i32Const(text).i32Const(littleEndian("hell")).i32Store();
    c.i32Const(text + 4).i32Const(littleEndian("o\n\0\0")).i32Store();
    c.i32Const(IOVEC).i32Const(text).i32Store();
    c.i32Const(IOVEC + 4).i32Const(6).i32Store();
    c.i32Const(1).i32Const(IOVEC).i32Const(1).i32Const(COUNT).call(fdWrite).drop();
    int start = asm.function(none, c);
    return asm.memory(1).exportMemory("memory").exportFunction("_start", start).bytes();
  }

  /** poll_oneoff on one relative clock subscription of an hour, in a loop. */
  static byte[] sleep() {
    var asm = new WasmAssembler();
    byte i32 = WasmAssembler.I32;
    int fourToOne = asm.type(new byte[] {i32, i32, i32, i32}, new byte[] {i32});
    int none = asm.type(new byte[0], new byte[0]);
    int pollOneoff = asm.importFunction(WASI, "poll_oneoff", fourToOne);
    int subscription = 256; // 48 bytes: userdata, tag (0: clock), clock id, timeout, precision, flags
    int events = 512;
    int nevents = 1024;
    Code c = new Code();
    c.i32Const(subscription).i64Const(1).i64Store();           // userdata
    c.i32Const(subscription + 8).i64Const(0).i64Store();       // tag 0: a clock
    c.i32Const(subscription + 16).i64Const(1).i64Store();      // clock id 1: monotonic
    c.i32Const(subscription + 24).i64Const(3_600_000_000_000L).i64Store(); // an hour, in ns
    c.i32Const(subscription + 32).i64Const(0).i64Store();      // precision
    c.i32Const(subscription + 40).i64Const(0).i64Store();      // flags 0: relative
    c.loop();
    c.i32Const(subscription).i32Const(events).i32Const(1).i32Const(nevents).call(pollOneoff).drop();
    c.br(0).end();
    int start = asm.function(none, c);
    return asm.memory(1).exportMemory("memory").exportFunction("_start", start).bytes();
  }

  private static int littleEndian(String fourChars) {
    byte[] b = fourChars.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  /** What echo.wasm writes for these strings: each followed by a NUL. */
  static String nulTerminated(List<String> strings) {
    StringBuilder b = new StringBuilder();
    strings.forEach(s -> b.append(s).append('\0'));
    return b.toString();
  }
}
