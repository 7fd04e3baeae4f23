package dev.shim4j.examples.wasm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the module a container runs, {@code process.args[0]}, from its rootfs. The rootfs is the
 * image's, so its contents are hostile input: a symbolic link in it means a path inside the
 * container, but the JVM would follow it on the host ({@code /app.wasm -> /etc/shadow} would
 * read the host's file). So the path is walked one name at a time and refused at the first
 * symbolic link, {@code ..} is refused outright, and the file must be a regular file of at most
 * {@link #MAX_BYTES} (the bytes are held in memory while the module is parsed).
 */
final class ModuleFile {
  /** The largest module accepted: far above any test module, small beside a daemon's heap. */
  static final long MAX_BYTES = 64L << 20;

  private ModuleFile() {}

  /** The bytes of {@code entrypoint} inside {@code rootfs}; IllegalArgumentException says why not. */
  static byte[] read(Path rootfs, String entrypoint) throws IOException {
    Path file = resolve(rootfs, entrypoint);
    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isRegularFile()) {
      throw new IllegalArgumentException(entrypoint + " is not a regular file");
    }
    if (attrs.size() > MAX_BYTES) {
      throw new IllegalArgumentException(entrypoint + " is " + attrs.size() + " bytes, more than the "
          + MAX_BYTES + " a module may have");
    }
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      // Read at most one byte past the bound: a file that grew since the check is still refused.
      byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new IllegalArgumentException(entrypoint + " grew past " + MAX_BYTES + " bytes");
      }
      return bytes;
    }
  }

  /** {@code rootfs/entrypoint}, every name on the way checked not to be a symbolic link. */
  static Path resolve(Path rootfs, String entrypoint) throws IOException {
    if (entrypoint.isEmpty()) {
      throw new IllegalArgumentException("process.args is empty: no module to run");
    }
    Path at = rootfs;
    for (String name : entrypoint.split("/")) {
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        throw new IllegalArgumentException(entrypoint + ": '..' is not allowed in a module path");
      }
      at = at.resolve(name);
      try {
        if (Files.readAttributes(at, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink()) {
          throw new IllegalArgumentException(entrypoint + ": " + rootfs.relativize(at)
              + " is a symbolic link; a module path must not go through one");
        }
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(entrypoint + " does not exist in the image");
      }
    }
    if (at.equals(rootfs)) {
      throw new IllegalArgumentException(entrypoint + " names the root, not a module");
    }
    return at;
  }
}
