package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;
import static dev.shim4j.sys.Native.LONG;
import static dev.shim4j.sys.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** madvise(2) on ranges of this process's address space. */
public final class Madvise {
  /**
   * Expect random access: besides no read-ahead, a page fault maps only the faulting page of a
   * file, not the kernel's usual batch of its cached neighbours ("fault-around").
   */
  public static final int MADV_RANDOM = 1;

  /**
   * No transparent huge pages: a file cached in 2 MB folios would otherwise be mapped back 2 MB at
   * a time, whatever page of it was touched.
   */
  public static final int MADV_NOHUGEPAGE = 15;

  /** The range's pages are dropped from this process; file-backed ones fault back in from the file. */
  public static final int MADV_DONTNEED = 4;

  // Linked on first use (see Native for why).
  private static final class MadviseCall {
    static final MethodHandle HANDLE = Native.withErrno("madvise", Native.fn(INT, PTR, LONG, INT));
  }

  private Madvise() {}

  /**
   * madvise({@code address}, {@code length}, {@code advice}). The caller answers for what the
   * advice does to the range: MADV_DONTNEED on a private mapping discards data written to it.
   */
  public static void advise(long address, long length, int advice) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int r = (int) MadviseCall.HANDLE.invokeExact(err, MemorySegment.ofAddress(address), length, advice);
      if (r != 0) {
        throw new SysException("madvise", Long.toHexString(address) + "+" + length, Native.errno(err));
      }
    } catch (SysException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
  }
}
