package dev.shim4j.runcshim;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one of a process's streams goes, as containerd names it in Create/Exec: empty (nothing),
 * a FIFO path (ctr, CRI), {@code fifo://PATH}, {@code file:///PATH} (append to a file) or
 * {@code binary:///PATH?key=value} (a logging binary that reads the output on fds 3 and 4).
 */
sealed interface StdioTarget {
  record None() implements StdioTarget {}

  record Fifo(Path path) implements StdioTarget {}

  record File(Path path) implements StdioTarget {}

  /** A logging binary; {@code args} are the URI's query pairs, key then value, as Go passes them. */
  record Binary(Path binary, List<String> args) implements StdioTarget {}

  static StdioTarget parse(String s) {
    if (s == null || s.isEmpty()) {
      return new None();
    }
    if (s.startsWith("/")) {
      return new Fifo(Path.of(s));
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("stdio '" + s + "' is neither a path nor a URI: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    String path = uri.getPath();
    return switch (scheme) {
      case "fifo" -> new Fifo(Path.of(requirePath(s, path)));
      case "file" -> new File(Path.of(requirePath(s, path)));
      case "binary" -> new Binary(Path.of(requirePath(s, path)), queryArgs(uri.getRawQuery()));
      default -> throw new IllegalArgumentException("unsupported stdio URI scheme '" + scheme + "' in " + s
          + " (supported: a FIFO path, fifo://, file://, binary://)");
    };
  }

  private static String requirePath(String s, String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("stdio URI " + s + " has no path");
    }
    return path;
  }

  private static List<String> queryArgs(String rawQuery) {
    List<String> args = new ArrayList<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return args;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      args.add(key);
      if (!value.isEmpty()) {
        args.add(value);
      }
    }
    return args;
  }
}
