package dev.shim4j.shim.internal;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Where a shim daemon listens. The address is a pure function of containerd's address, the
 * namespace and the group key, so every {@code start} for the same group computes the same
 * socket and finds the daemon already serving it: that is how containers share a shim.
 */
public final class ShimAddress {
  /** Where containerd (and Go shims) put shim sockets. */
  public static final Path DEFAULT_SOCKET_DIR = Path.of("/run/containerd/s");

  private static final String SCHEME = "unix://";

  private ShimAddress() {}

  /**
   * {@code unix://<socketDir>/<hex(sha256(containerdAddress/namespace/group))>}, as Go's
   * {@code shim.SocketAddress} computes it (path elements joined and cleaned).
   */
  public static String of(String containerdAddress, String namespace, String group, Path socketDir) {
    String joined = Path.of(containerdAddress, namespace, group).normalize().toString();
    return SCHEME + socketDir.resolve(sha256Hex(joined));
  }

  public static String of(String containerdAddress, String namespace, String group) {
    return of(containerdAddress, namespace, group, DEFAULT_SOCKET_DIR);
  }

  /** The socket path of {@code unix:///path}, {@code unix://path} or a plain path. */
  public static Path pathOf(String address) {
    return Path.of(address.startsWith(SCHEME) ? address.substring(SCHEME.length()) : address);
  }

  /** True when something accepts connections at {@code socket} (a live daemon, not a stale file). */
  public static boolean isServed(Path socket) {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return false; // the common case in start: no connect attempt (and no exception) needed
    }
    try {
      SocketChannel.open(UnixDomainSocketAddress.of(socket)).close();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static String sha256Hex(String text) {
    return HexFormat.of().formatHex(Sha256.digest(text));
  }
}
