package dev.shim4j.shim.bundle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files that a reader (containerd after a restart, a later {@code delete}) must see whole or not
 * at all: written to a temporary file beside the target, then renamed over it.
 *
 * <p>Not synced to disk, as Go's shim does not: these files live in containerd's state
 * directory, a tmpfs that does not outlive the machine (and the containers they describe do not
 * outlive it either). Two fsyncs per file cost ~1 ms each on a disk, inside {@code start} and
 * Create, for durability nobody can use.
 */
public final class AtomicFiles {
  public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private AtomicFiles() {}

  public static void write(Path target, String content) throws IOException {
    write(target, content.getBytes(StandardCharsets.UTF_8), OWNER_ONLY);
  }

  public static void write(Path target, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + target.getFileName() + ".tmp-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(permissions))) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
      // The umask may have narrowed the mode at creation; set exactly what was asked.
      Files.setPosixFilePermissions(temp, permissions);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically", e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
