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
import java.util.List;
import java.util.Optional;

/**
 * The one place that links libc. Every public class of this package funnels its downcalls through
 * here so errno capture and error wrapping look the same everywhere. Layouts assume x86_64 Linux
 * with glibc.
 *
 * <p><b>One downcall handle for every function.</b> A JVM shim must answer containerd fast, and in
 * a cold JVM each distinct downcall shape (FunctionDescriptor plus options) costs several
 * milliseconds of bytecode spinning, the very first one tens of milliseconds of linker set-up;
 * the JDK caches by shape, so a second function of an already linked shape is nearly free. So
 * this package links exactly ONE address-less handle, {@code long f(long a0, ..., long a5)} with
 * errno capture, and calls every libc function through it ({@link Fn}): the function's address
 * comes from a (cheap) symbol lookup and is passed per call.
 *
 * <p>That is only sound on <b>x86-64 System V</b>, the one platform shim4j supports:
 *
 * <ul>
 *   <li>int, long and pointer arguments all travel in the same six integer registers (rdi, rsi,
 *       rdx, rcx, r8, r9), so an int (or the short of posix_spawnattr_setflags) is passed
 *       sign-extended to long, of which the callee reads only the low 32 (16) bits, and a pointer
 *       as its address ({@link #ptr}). No function here takes more than six arguments or any
 *       floating-point or struct-by-value argument.
 *   <li>Results come back in rax. For a function returning int the upper half of rax is
 *       undefined, so {@link Fn#call} truncates with {@code (int)}; {@link Fn#callLong} is for
 *       ssize_t/long results only.
 *   <li>C variadic functions (open, fcntl, ioctl, prctl) additionally read %al, the number of
 *       vector registers used. The handle is linked with {@code firstVariadicArg(1)}, which on
 *       SysV changes nothing but setting %al (here always 0: no vector arguments); variadic longs
 *       use the very same registers as named ones. For a non-variadic callee rax is an ordinary
 *       scratch register whose value on entry is ignored, so the same handle serves both kinds and
 *       a second "variadic" shape would only cost another link. (JDK 25's SysV CallArranger sets
 *       rax only when the options say variadic, hence the option.) prctl has one named argument,
 *       open/fcntl/ioctl two, so index 1 is right or harmlessly early for each of them.
 * </ul>
 *
 * <p>Functions that report errors by return value (posix_spawn and friends, ptsname_r) and those
 * that cannot fail (getpid) go through the same errno-capturing handle with {@link #NO_ERRNO} as
 * capture buffer.
 *
 * <p>Pointer arguments are plain longs, so FFM no longer keeps their arena alive during the call
 * as it does for ADDRESS arguments. Every pointer passed here comes from a confined arena that the
 * calling thread holds open around the call (try-with-resources in the caller), which gives the
 * same guarantee; {@link #ptr} refuses segments that are already closed or live on the heap.
 *
 * <p>Each class looks its functions up when it initializes ({@code static final Fn}): a lookup is
 * a dlsym of microseconds, so the per-function holder classes that once made linking lazy would
 * now only add class loading. The universal handle itself is linked on the first downcall. This
 * package has no upcalls.
 */
final class Native {
  static final Linker LINKER = Linker.nativeLinker();
  static final SymbolLookup LIBC = LINKER.defaultLookup();

  static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
  static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final long ERRNO_OFFSET = memberOffset(CAPTURE_LAYOUT, "errno");

  /**
   * Capture buffer for calls whose errno nobody reads. Shared by all threads: the stub's writes
   * into it race harmlessly, as nothing ever reads them.
   */
  static final MemorySegment NO_ERRNO = Arena.global().allocate(CAPTURE_LAYOUT);

  /** The universal handle, linked on the first downcall (not when layouts are first used). */
  private static final class Universal {
    static final MethodHandle HANDLE = LINKER.downcallHandle(
        FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG),
        Linker.Option.captureCallState("errno"),
        Linker.Option.firstVariadicArg(1));
  }

  private Native() {}

  /** The libc function {@code name}; fails when libc lacks it. */
  static Fn fn(String name) {
    return new Fn(name, symbol(name));
  }

  /** A libc function that older glibc versions lack. */
  static Optional<Fn> optionalFn(String name) {
    return LIBC.find(name).map(address -> new Fn(name, address));
  }

  /** The address of a native, still alive segment, for a pointer argument of {@link Fn}. */
  static long ptr(MemorySegment segment) {
    if (!segment.isNative()) {
      throw new IllegalArgumentException("not a native segment: " + segment);
    }
    if (!segment.scope().isAlive()) {
      throw new IllegalStateException("segment already closed: " + segment);
    }
    return segment.address();
  }

  /**
   * A libc function called through the universal handle. Arguments are int or long values and
   * pointers given as {@link Native#ptr}; the first argument of every call is the errno capture
   * buffer ({@link Native#errnoBuffer} or {@link Native#NO_ERRNO}).
   */
  record Fn(String name, MemorySegment address) {
    /** The raw 64-bit rax of the call. */
    long invoke(MemorySegment errno, long a0, long a1, long a2, long a3, long a4, long a5) {
      try {
        return (long) Universal.HANDLE.invokeExact(address, errno, a0, a1, a2, a3, a4, a5);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    /** For a function returning int (its result is the low half of rax). */
    int call(MemorySegment errno) {
      return (int) invoke(errno, 0, 0, 0, 0, 0, 0);
    }

    int call(MemorySegment errno, long a0) {
      return (int) invoke(errno, a0, 0, 0, 0, 0, 0);
    }

    int call(MemorySegment errno, long a0, long a1) {
      return (int) invoke(errno, a0, a1, 0, 0, 0, 0);
    }

    int call(MemorySegment errno, long a0, long a1, long a2) {
      return (int) invoke(errno, a0, a1, a2, 0, 0, 0);
    }

    int call(MemorySegment errno, long a0, long a1, long a2, long a3) {
      return (int) invoke(errno, a0, a1, a2, a3, 0, 0);
    }

    int call(MemorySegment errno, long a0, long a1, long a2, long a3, long a4) {
      return (int) invoke(errno, a0, a1, a2, a3, a4, 0);
    }

    int call(MemorySegment errno, long a0, long a1, long a2, long a3, long a4, long a5) {
      return (int) invoke(errno, a0, a1, a2, a3, a4, a5);
    }

    /** For a function returning long or ssize_t (read, write, sendmsg, recvmsg). */
    long callLong(MemorySegment errno, long a0, long a1, long a2) {
      return invoke(errno, a0, a1, a2, 0, 0, 0);
    }
  }

  /**
   * The offset of a named member of a struct, found by adding up the sizes of the members before
   * it. Not {@code byteOffset(PathElement)}: layout paths initialise method-handle machinery that
   * a cold JVM spins bytecode for (~11 ms of CPU at every shim start, profiled).
   */
  static long memberOffset(StructLayout struct, String name) {
    long offset = 0;
    for (MemoryLayout member : struct.memberLayouts()) {
      if (name.equals(member.name().orElse(null))) {
        return offset;
      }
      offset += member.byteSize();
    }
    throw new IllegalArgumentException(struct + " has no member " + name);
  }

  static MemorySegment errnoBuffer(Arena arena) {
    return arena.allocate(CAPTURE_LAYOUT);
  }

  static int errno(MemorySegment capture) {
    return capture.get(INT, ERRNO_OFFSET);
  }

  static MemorySegment symbol(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
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

  /**
   * Stores a pointer field of a native struct. Pointers are written as 8-byte longs, not through
   * ValueLayout.ADDRESS, whose var handle the JVM spins on first use (several milliseconds in a
   * cold JVM); on x86-64 the two are the same bytes.
   */
  static void setPointer(MemorySegment struct, long offset, MemorySegment target) {
    struct.set(LONG, offset, ptr(target));
  }

  /** A NULL-terminated char*[] of the given strings, allocated in {@code arena}. */
  static MemorySegment stringArray(Arena arena, List<String> values) {
    MemorySegment array = arena.allocate(LONG, values.size() + 1L);
    for (int i = 0; i < values.size(); i++) {
      setPointer(array, 8L * i, arena.allocateFrom(values.get(i)));
    }
    setPointer(array, 8L * values.size(), MemorySegment.NULL);
    return array;
  }
}
