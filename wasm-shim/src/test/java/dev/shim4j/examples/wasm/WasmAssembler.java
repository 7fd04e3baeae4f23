package dev.shim4j.examples.wasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes WebAssembly binary modules (the core spec's binary format) for tests: types, function
 * imports, functions, one memory, exports. Only what the test modules need; instructions are
 * written with {@link Code}. Indices follow the spec: imported functions first, then defined ones.
 */
final class WasmAssembler {
  static final byte I32 = 0x7f;

  private final List<byte[]> types = new ArrayList<>();
  private final ByteArrayOutputStream imports = new ByteArrayOutputStream();
  private int importCount;
  private final List<Integer> functionTypes = new ArrayList<>();
  private final List<byte[]> bodies = new ArrayList<>();
  private final ByteArrayOutputStream exports = new ByteArrayOutputStream();
  private int exportCount;
  private int memoryPages = -1;

  /** The index of the function type {@code params -> results} (added once). */
  int type(byte[] params, byte[] results) {
    var t = new ByteArrayOutputStream();
    t.write(0x60);
    vector(t, params);
    vector(t, results);
    byte[] encoded = t.toByteArray();
    for (int i = 0; i < types.size(); i++) {
      if (java.util.Arrays.equals(types.get(i), encoded)) {
        return i;
      }
    }
    types.add(encoded);
    return types.size() - 1;
  }

  /** Imports function {@code module.name} of type {@code type}; returns its function index. */
  int importFunction(String module, String name, int type) {
    if (!bodies.isEmpty()) {
      throw new IllegalStateException("imports come before defined functions");
    }
    name(imports, module);
    name(imports, name);
    imports.write(0x00);
    unsigned(imports, type);
    return importCount++;
  }

  /** Defines a function of type {@code type} with no locals; returns its function index. */
  int function(int type, Code body) {
    functionTypes.add(type);
    bodies.add(body.end().bytes());
    return importCount + bodies.size() - 1;
  }

  WasmAssembler memory(int pages) {
    memoryPages = pages;
    return this;
  }

  WasmAssembler exportFunction(String name, int function) {
    name(exports, name);
    exports.write(0x00);
    unsigned(exports, function);
    exportCount++;
    return this;
  }

  WasmAssembler exportMemory(String name) {
    name(exports, name);
    exports.write(0x02);
    unsigned(exports, 0);
    exportCount++;
    return this;
  }

  byte[] bytes() {
    var out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00});
    section(out, 1, types.size(), concat(types));
    section(out, 2, importCount, imports.toByteArray());
    var fn = new ByteArrayOutputStream();
    functionTypes.forEach(t -> unsigned(fn, t));
    section(out, 3, functionTypes.size(), fn.toByteArray());
    if (memoryPages >= 0) {
      var mem = new ByteArrayOutputStream();
      mem.write(0x00); // limits: a minimum, no maximum
      unsigned(mem, memoryPages);
      section(out, 5, 1, mem.toByteArray());
    }
    section(out, 7, exportCount, exports.toByteArray());
    var code = new ByteArrayOutputStream();
    for (byte[] body : bodies) {
      unsigned(code, body.length + 1);
      code.write(0x00); // no local declarations
      code.writeBytes(body);
    }
    section(out, 10, bodies.size(), code.toByteArray());
    return out.toByteArray();
  }

  private static void section(ByteArrayOutputStream out, int id, int count, byte[] items) {
    if (count == 0) {
      return;
    }
    var content = new ByteArrayOutputStream();
    unsigned(content, count);
    content.writeBytes(items);
    out.write(id);
    unsigned(out, content.size());
    out.writeBytes(content.toByteArray());
  }

  private static byte[] concat(List<byte[]> parts) {
    var out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static void vector(ByteArrayOutputStream out, byte[] items) {
    unsigned(out, items.length);
    out.writeBytes(items);
  }

  private static void name(ByteArrayOutputStream out, String s) {
    vector(out, s.getBytes(StandardCharsets.UTF_8));
  }

  /** LEB128, unsigned. */
  static void unsigned(ByteArrayOutputStream out, int value) {
    long v = Integer.toUnsignedLong(value);
    do {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      out.write(v != 0 ? b | 0x80 : b);
    } while (v != 0);
  }

  /** LEB128, signed (what i32.const and i64.const take). */
  static void signed(ByteArrayOutputStream out, long value) {
    while (true) {
      int b = (int) (value & 0x7f);
      value >>= 7;
      boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return;
      }
    }
  }

  /** A function body's instructions, written in order. */
  static final class Code {
    private static final int EMPTY_BLOCK = 0x40;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Code i32Const(int value) {
      out.write(0x41);
      signed(out, value);
      return this;
    }

    Code i64Const(long value) {
      out.write(0x42);
      signed(out, value);
      return this;
    }

    Code call(int function) {
      out.write(0x10);
      unsigned(out, function);
      return this;
    }

    Code drop() {
      out.write(0x1a);
      return this;
    }

    /** i32.load with alignment 4 and offset 0: takes an address, gives the word there. */
    Code i32Load() {
      out.writeBytes(new byte[] {0x28, 0x02, 0x00});
      return this;
    }

    /** i32.store with alignment 4 and offset 0: takes an address and a value. */
    Code i32Store() {
      out.writeBytes(new byte[] {0x36, 0x02, 0x00});
      return this;
    }

    /** i64.store with alignment 8 and offset 0: takes an address and a value. */
    Code i64Store() {
      out.writeBytes(new byte[] {0x37, 0x03, 0x00});
      return this;
    }

    Code i32Eqz() {
      out.write(0x45);
      return this;
    }

    Code block() {
      out.writeBytes(new byte[] {0x02, EMPTY_BLOCK});
      return this;
    }

    Code loop() {
      out.writeBytes(new byte[] {0x03, EMPTY_BLOCK});
      return this;
    }

    Code br(int depth) {
      out.write(0x0c);
      unsigned(out, depth);
      return this;
    }

    Code brIf(int depth) {
      out.write(0x0d);
      unsigned(out, depth);
      return this;
    }

    Code unreachable() {
      out.write(0x00);
      return this;
    }

    Code end() {
      out.write(0x0b);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
