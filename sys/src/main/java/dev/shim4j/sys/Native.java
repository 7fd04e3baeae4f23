package dev.shim4j.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Optional;

/**
 * The one place that links libc symbols. Every public class of this package funnels its downcalls
 * through here so errno capture and error wrapping look the same everywhere. Layouts assume x86_64
 * Linux with glibc.
 *
 * <p>Linking a downcall handle generates code and costs about a millisecond, and a shim's short
 * {@code start} process uses only a few of the handles of this package. So each handle lives in a
 * holder class of its own ({@code private static final class Pipe2 { static final MethodHandle
 * HANDLE = ...; }}): the JVM links it when the first call initializes the holder, and because it
 * is still a static final field, {@code invokeExact} on it stays a constant the JIT inlines.
 */
final class Native {
  static final Linker LINKER = Linker.nativeLinker();
  static final SymbolLookup LIBC = LINKER.defaultLookup();

  static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
  static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
  static final MemoryLayout PTR = ValueLayout.ADDRESS;
  static final java.lang.foreign.AddressLayout ADDRESS = ValueLayout.ADDRESS;

  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  private Native() {}

  /** A downcall whose first argument is the errno capture segment (see {@link #errnoBuffer}). */
  static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO);
  }

  /** Like {@link #withErrno} for a C variadic function; {@code fixed} = number of named args. */
  static MethodHandle variadicWithErrno(String name, FunctionDescriptor descriptor, int fixed) {
    return LINKER.downcallHandle(
        symbol(name), descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(fixed));
  }

  /** A downcall that reports errors by return value (posix_spawn and friends). */
  static MethodHandle plain(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(symbol(name), descriptor);
  }

  /** A downcall to a symbol that older glibc versions lack. */
  static Optional<MethodHandle> optional(String name, FunctionDescriptor descriptor) {
    return LIBC.find(name).map(s -> LINKER.downcallHandle(s, descriptor));
  }

  static MemorySegment errnoBuffer(Arena arena) {
    return arena.allocate(CAPTURE_LAYOUT);
  }

  static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  static MemorySegment symbol(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  static FunctionDescriptor fn(MemoryLayout result, MemoryLayout... args) {
    return FunctionDescriptor.of(result, args);
  }

  static FunctionDescriptor voidFn(MemoryLayout... args) {
    return FunctionDescriptor.ofVoid(args);
  }

  /** Downcalls declare Throwable; anything but our own exceptions is a programming error. */
  static RuntimeException unexpected(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("native call failed unexpectedly", t);
  }

  /** A NULL-terminated char*[] of the given strings, allocated in {@code arena}. */
  static MemorySegment stringArray(Arena arena, List<String> values) {
    MemorySegment array = arena.allocate(ValueLayout.ADDRESS, values.size() + 1L);
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(values.get(i)));
    }
    array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
    return array;
  }
}
