package dev.shim4j.shim.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePagesTest {
  @TempDir Path tmp;

  @Test
  void onlyReadOnlyFileMappingsWithoutPrivatePagesAreDroppable() {
    List<FilePages.Mapping> maps = FilePages.parse(List.of(
        "7f0000000000-7f0000100000 r-xp 00000000 fe:00 123 /usr/lib/jvm/lib/server/libjvm.so",
        "Rss:                1024 kB",
        "Anonymous:             0 kB",
        "7f0000100000-7f0000200000 r--p 00100000 fe:00 123 /usr/lib/jvm/lib/server/libjvm.so",
        "Rss:                1024 kB",
        "Anonymous:           400 kB",
        "7f0000200000-7f0000300000 rw-p 00200000 fe:00 123 /usr/lib/jvm/lib/server/libjvm.so",
        "Rss:                  64 kB",
        "Anonymous:             0 kB",
        "800000000-800800000 r--s 00000000 fe:00 9 /opt/a dir/with spaces.aot",
        "Rss:                 512 kB",
        "Anonymous:             0 kB",
        "7f0000400000-7f0000500000 rw-p 00000000 00:00 0",
        "Rss:                 100 kB",
        "Anonymous:           100 kB",
        "7ffd00000000-7ffd00002000 r--p 00000000 00:00 0                          [vvar]",
        "Rss:                   0 kB",
        "Anonymous:             0 kB",
        "7f0000600000-7f0000700000 r--p 00000000 fe:00 77 /lib/untouched.so",
        "Rss:                   0 kB",
        "Anonymous:             0 kB"));
    assertThat(maps).hasSize(7);
    assertThat(maps.get(0).start()).isEqualTo(0x7f0000000000L);
    assertThat(maps.get(0).end()).isEqualTo(0x7f0000100000L);
    assertThat(maps.get(3).path()).isEqualTo("/opt/a dir/with spaces.aot");
    assertThat(maps).extracting(FilePages.Mapping::droppable)
        .containsExactly(true, false, false, true, false, false, false);
  }

  @Test
  void droppedPagesLeaveTheResidentSetAndReadBackUnchanged() throws Exception {
    byte[] data = new byte[4 * 1024 * 1024];
    new Random(3).nextBytes(data);
    Path file = tmp.resolve("data.bin");
    Files.write(file, data);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, data.length);
      map.load(); // every page resident
      assertThat(residentKb(file)).isGreaterThanOrEqualTo(4096);

      long dropped = FilePages.dropUnused();

      assertThat(dropped).isGreaterThanOrEqualTo(4096);
      assertThat(residentKb(file)).isZero();
      byte[] back = new byte[data.length];
      map.get(0, back);
      assertThat(back).isEqualTo(data);
    }
  }

  private static long residentKb(Path file) throws Exception {
    return FilePages.parse(Files.readAllLines(Path.of("/proc/self/smaps"))).stream()
        .filter(m -> m.path().equals(file.toString()))
        .mapToLong(FilePages.Mapping::rssKb).sum();
  }
}
