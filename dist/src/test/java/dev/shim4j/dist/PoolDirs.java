package dev.shim4j.dist;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Where shim4j-start looks for the spares and daemons of a start (dist/src/main/c/shim4j-start.c). */
final class PoolDirs {
  private PoolDirs() {}

  /**
   * {@code root/KEY}: KEY the 64-bit FNV-1a hash, in hex, of containerd's address, the runtime and
   * the namespace, in the words the pool's {@code key} file holds.
   */
  static Path of(Path root, String address, String runtime, String namespace) {
    String key = "address=" + address + "\nruntime=" + runtime + "\nnamespace=" + namespace + "\n";
    long hash = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return root.resolve(String.format("%016x", hash));
  }
}
