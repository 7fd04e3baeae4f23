package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The universal downcall of {@link Native}: widening, truncation, pointers, errno, variadics. */
class NativeTest {
  @TempDir Path tmp;

  @Test
  void negativeIntResultIsTruncatedAndErrnoIsCaptured() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int rc = Native.fn("close").call(err, -1);
      assertThat(rc).isEqualTo(-1);
      assertThat(Native.errno(err)).isEqualTo(Errno.EBADF);
    }
  }

  @Test
  void memberOffsetsAgreeWithLayoutPaths() {
    var capture = Linker.Option.captureStateLayout();
    for (MemoryLayout member : capture.memberLayouts()) {
      member.name().ifPresent(name -> assertThat(Native.memberOffset(capture, name))
          .as(name)
          .isEqualTo(capture.byteOffset(MemoryLayout.PathElement.groupElement(name))));
    }
    var padded = MemoryLayout.structLayout(ValueLayout.JAVA_BYTE.withName("a"),
        MemoryLayout.paddingLayout(7), ValueLayout.JAVA_LONG.withName("b"));
    assertThat(Native.memberOffset(padded, "b")).isEqualTo(8);
    assertThatThrownBy(() -> Native.memberOffset(padded, "c"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no member c");
  }

  @Test
  void warmUpLeavesNoDescriptorBehind() throws Exception {
    long fds = openDescriptors();
    NativeWarmup.run();
    assertThat(openDescriptors()).isEqualTo(fds);
  }

  private static long openDescriptors() throws java.io.IOException {
    try (var entries = Files.list(Path.of("/proc/self/fd"))) {
      return entries.count();
    }
  }

  @Test
  void publicCallsReportErrnoOfAFailedCall() throws Exception {
    assertThatThrownBy(() -> Fds.close(-1))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    assertThatThrownBy(() -> Fds.read(-1, new byte[4], 0, 4))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    assertThatThrownBy(() -> Processes.waitpid(Integer.MAX_VALUE, Processes.WNOHANG))
        .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ECHILD));
  }

  @Test
  void intArgumentsAreReadFromTheLowHalfOnly() {
    Native.Fn abs = Native.fn("abs");
    assertThat(abs.call(Native.NO_ERRNO, -5)).isEqualTo(5);
    // garbage in the upper half of the register must not matter to an int parameter
    assertThat(abs.call(Native.NO_ERRNO, 0xdead_beef_0000_0007L)).isEqualTo(7);
    assertThat(abs.call(Native.NO_ERRNO, 0x1234_5678_ffff_fff9L)).isEqualTo(7);
  }

  @Test
  void noArgumentIntResultMatchesTheJdk() {
    assertThat(Processes.getpid()).isEqualTo((int) ProcessHandle.current().pid());
    assertThat(Native.fn("getpid").call(Native.NO_ERRNO)).isEqualTo(Processes.getpid());
  }

  @Test
  void longResultKeepsAllSixtyFourBits() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment text = arena.allocateFrom("-5000000000");
      Native.Fn strtoll = Native.fn("strtoll");
      assertThat(strtoll.callLong(Native.NO_ERRNO, Native.ptr(text), 0, 10)).isEqualTo(-5_000_000_000L);
      assertThat(strtoll.invoke(Native.NO_ERRNO, Native.ptr(text), 0, 10, 0, 0, 0))
          .isEqualTo(-5_000_000_000L);
    }
  }

  @Test
  void pointerArgumentAndPointerResultRoundTrip() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment text = arena.allocateFrom("shim4j");
      long found = Native.fn("strchr").invoke(Native.NO_ERRNO, Native.ptr(text), 'm', 0, 0, 0, 0);
      assertThat(found).isEqualTo(text.address() + 3);
      long missing = Native.fn("strchr").invoke(Native.NO_ERRNO, Native.ptr(text), 'x', 0, 0, 0, 0);
      assertThat(missing).isZero();
    }
  }

  @Test
  void pointerOutArgumentIsFilledByTheCallee() throws Exception {
    try (Fds.Pipe pipe = Fds.pipe()) {
      assertThat(pipe.readFd()).isNotEqualTo(pipe.writeFd());
      assertThat(Fds.isOpen(pipe.readFd())).isTrue();
      assertThat(Fds.isOpen(pipe.writeFd())).isTrue();
      byte[] data = "round trip".getBytes();
      Fds.writeFully(pipe.writeFd(), data, 0, data.length);
      byte[] got = new byte[64];
      int n = Fds.read(pipe.readFd(), got, 0, got.length);
      assertThat(n).isEqualTo(data.length);
      assertThat(new String(got, 0, n)).isEqualTo("round trip");
    }
  }

  @Test
  void ssizeResultsAreByteCounts() throws Exception {
    try (Fds.Pipe pipe = Fds.pipe(); Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(100_000);
      Fds.setNonBlocking(pipe.writeFd(), true);
      int written = Fds.write(pipe.writeFd(), buf, 100_000);
      assertThat(written).isPositive().isLessThan(100_000); // the pipe fills up: a short write
      MemorySegment err = Native.errnoBuffer(arena);
      long again = Native.fn("write").callLong(err, pipe.writeFd(), Native.ptr(buf), 10);
      assertThat(again).isEqualTo(-1L);
      assertThat(Native.errno(err)).isEqualTo(Errno.EAGAIN);
      assertThat(Fds.read(pipe.readFd(), buf, 100_000)).isEqualTo(written);
    }
  }

  @Test
  void variadicOpenPassesTheMode() throws Exception {
    Path file = tmp.resolve("created");
    int fd = Fds.open(file, Fds.O_WRONLY | Fds.O_CREAT | Fds.O_EXCL, 0604);
    Fds.close(fd);
    int expected = 0604 & ~umask();
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString(permissions(expected)));
    assertThat(expected).isNotZero();
  }

  @Test
  void variadicFcntlPassesItsThirdArgument() throws Exception {
    try (Fds.Pipe pipe = Fds.pipe()) {
      int dup = Fds.dupCloexec(pipe.readFd(), 200);
      try {
        assertThat(dup).isGreaterThanOrEqualTo(200);
        assertThat(Fds.isCloexec(dup)).isTrue();
      } finally {
        Fds.close(dup);
      }
    }
  }

  @Test
  void variadicPrctlWritesThroughItsPointerArgument() throws Exception {
    boolean before = Processes.isChildSubreaper();
    try {
      Processes.setChildSubreaper(!before);
      assertThat(Processes.isChildSubreaper()).isEqualTo(!before);
    } finally {
      Processes.setChildSubreaper(before);
    }
    assertThat(Processes.isChildSubreaper()).isEqualTo(before);
  }

  @Test
  void pointersMustBeNativeAndAlive() {
    assertThatThrownBy(() -> Native.ptr(MemorySegment.ofArray(new byte[4])))
        .isInstanceOf(IllegalArgumentException.class);
    MemorySegment closed;
    try (Arena arena = Arena.ofConfined()) {
      closed = arena.allocate(4);
    }
    assertThatThrownBy(() -> Native.ptr(closed)).isInstanceOf(IllegalStateException.class);
    assertThat(Native.ptr(MemorySegment.NULL)).isZero();
  }

  @Test
  void optionalSymbolsAreFoundOrAbsent() {
    assertThat(Native.optionalFn("getpid")).isPresent();
    assertThat(Native.optionalFn("no_such_function_in_libc_4j")).isEmpty();
    assertThatThrownBy(() -> Native.fn("no_such_function_in_libc_4j"))
        .isInstanceOf(UnsatisfiedLinkError.class);
  }

  private static int umask() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Umask:")) {
        return Integer.parseInt(line.substring(6).trim(), 8);
      }
    }
    throw new AssertionError("no Umask in /proc/self/status");
  }

  private static String permissions(int mode) {
    StringBuilder s = new StringBuilder();
    for (int shift : List.of(6, 3, 0)) {
      int bits = (mode >> shift) & 7;
      s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-')
          .append((bits & 1) != 0 ? 'x' : '-');
    }
    return s.toString();
  }
}
