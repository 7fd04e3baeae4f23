package dev.shim4j.shim;

import dev.shim4j.shim.internal.ShimAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line containerd gives a shim, parsed the way Go's {@code flag} package does: one or
 * two leading dashes, {@code -flag value} or {@code -flag=value} for strings, {@code -flag} or
 * {@code -flag=true|false} for booleans, parsing stops at the first non-flag argument (the
 * action) or at {@code --}. Environment variables fill what the flags leave empty (containerd
 * 1.7+ sets {@code NAMESPACE} and {@code GRPC_ADDRESS}).
 *
 * @param namespace -namespace (or NAMESPACE)
 * @param id -id: the container (or instance) id
 * @param address -address: containerd's gRPC socket (or GRPC_ADDRESS)
 * @param publishBinary -publish-binary: the containerd binary, for the publish fallback
 * @param bundle -bundle: the bundle directory; empty means the working directory
 * @param socket -socket: serve on this path instead of an inherited listener
 * @param debug -debug: log at debug level
 * @param version -v: print the version and exit
 * @param info -info: print runtime info and exit (containerd 2.x)
 * @param action "start", "delete", or "" to serve
 * @param ttrpcAddress TTRPC_ADDRESS: containerd's ttrpc socket, where events are published
 * @param maxShimVersion MAX_SHIM_VERSION: the highest bootstrap version containerd reads; 0 when
 *     unset (containerd 1.6, which reads only a plain address)
 */
public record Flags(
    String namespace,
    String id,
    String address,
    String publishBinary,
    String bundle,
    String socket,
    boolean debug,
    boolean version,
    boolean info,
    String action,
    String ttrpcAddress,
    int maxShimVersion) {

  /** What {@link #parse} throws: one line for stderr, after which the shim exits 1. */
  public static final class UsageException extends Exception {
    /**
     * Creates the exception.
     *
     * @param message the line printed on stderr
     */
    public UsageException(String message) {
      super(message);
    }
  }

  /** The {@code start} action: find or start the daemon and print its address. */
  public static final String ACTION_START = "start";
  /** The {@code delete} action: clean up after a container and print a DeleteResponse. */
  public static final String ACTION_DELETE = "delete";
  /** No action: the program is the daemon and serves the task API. */
  public static final String ACTION_SERVE = "";

  private static final List<String> STRING_FLAGS =
      List.of("namespace", "id", "address", "publish-binary", "bundle", "socket");
  private static final List<String> BOOL_FLAGS = List.of("debug", "v", "info");

  /** Normalizes absent strings to empty ones. */
  public Flags {
    namespace = nonNull(namespace);
    id = nonNull(id);
    address = nonNull(address);
    publishBinary = nonNull(publishBinary);
    bundle = nonNull(bundle);
    socket = nonNull(socket);
    action = nonNull(action);
    ttrpcAddress = nonNull(ttrpcAddress);
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  /**
   * Parses {@code args} with {@code env} (usually {@code System.getenv()}) and validates them.
   *
   * @param args the program's arguments
   * @param env the program's environment
   * @return the flags, with what the environment adds
   * @throws UsageException when a flag is malformed or unknown, or a required one is missing
   */
  public static Flags parse(List<String> args, Map<String, String> env) throws UsageException {
    var strings = new java.util.HashMap<String, String>();
    var bools = new java.util.HashMap<String, Boolean>();
    List<String> rest = new ArrayList<>();
    int i = 0;
    for (; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--")) {
        i++;
        break;
      }
      if (arg.length() < 2 || arg.charAt(0) != '-') {
        break; // first positional argument: the action
      }
      String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
      if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) {
        throw new UsageException("bad flag syntax: " + arg);
      }
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      String inline = eq < 0 ? null : body.substring(eq + 1);
      if (BOOL_FLAGS.contains(name)) {
        bools.put(name, inline == null || parseBool(name, inline));
      } else if (STRING_FLAGS.contains(name)) {
        if (inline != null) {
          strings.put(name, inline);
        } else if (i + 1 < args.size()) {
          strings.put(name, args.get(++i));
        } else {
          throw new UsageException("flag needs an argument: -" + name);
        }
      } else {
        throw new UsageException("flag provided but not defined: -" + name);
      }
    }
    rest.addAll(args.subList(Math.min(i, args.size()), args.size()));
    String action = rest.isEmpty() ? ACTION_SERVE : rest.getFirst();
    if (rest.size() > 1) {
      throw new UsageException("unexpected arguments after " + action + ": " + rest.subList(1, rest.size()));
    }
    if (!action.equals(ACTION_SERVE) && !action.equals(ACTION_START) && !action.equals(ACTION_DELETE)) {
      throw new UsageException("unknown action " + action + " (expected start or delete, or none to serve)");
    }
    Flags flags = new Flags(
        strings.getOrDefault("namespace", env.getOrDefault("NAMESPACE", "")),
        strings.get("id"),
        strings.getOrDefault("address", env.getOrDefault("GRPC_ADDRESS", "")),
        strings.get("publish-binary"),
        strings.get("bundle"),
        strings.get("socket"),
        bools.getOrDefault("debug", false),
        bools.getOrDefault("v", false),
        bools.getOrDefault("info", false),
        action,
        env.getOrDefault("TTRPC_ADDRESS", ""),
        parseMaxShimVersion(env.get("MAX_SHIM_VERSION")));
    flags.validate();
    return flags;
  }

  private void validate() throws UsageException {
    if (version || info) {
      return; // nothing else is needed to print the version
    }
    if (namespace.isEmpty()) {
      throw new UsageException("shim namespace cannot be empty: pass -namespace");
    }
    if (id.isEmpty()) {
      throw new UsageException("shim id cannot be empty: pass -id");
    }
    if (action.equals(ACTION_START) && address.isEmpty()) {
      throw new UsageException("containerd address cannot be empty: pass -address");
    }
  }

  private static boolean parseBool(String name, String value) throws UsageException {
    return switch (value) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> throw new UsageException("invalid boolean value \"" + value + "\" for -" + name);
    };
  }

  private static int parseMaxShimVersion(String value) throws UsageException {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("invalid MAX_SHIM_VERSION \"" + value + "\"");
    }
  }

  /**
   * The bundle directory: -bundle, or the working directory containerd started us in.
   *
   * @return the bundle directory as an absolute, normalized path
   */
  public Path bundlePath() {
    return (bundle.isEmpty() ? Path.of("") : Path.of(bundle)).toAbsolutePath().normalize();
  }

  /**
   * These flags with another action: what the daemon that {@code start} becomes runs with is
   * {@code withAction(ACTION_SERVE)}.
   *
   * @param newAction {@link #ACTION_START}, {@link #ACTION_DELETE} or {@link #ACTION_SERVE}
   * @return a copy of these flags with {@code action} replaced
   */
  public Flags withAction(String newAction) {
    return new Flags(namespace, id, address, publishBinary, bundle, socket, debug, version, info,
        newAction, ttrpcAddress, maxShimVersion);
  }

  /**
   * -socket as a path, when given.
   *
   * @return the socket's path, or empty when -socket was not given
   */
  public Optional<Path> socketPath() {
    return socket.isEmpty() ? Optional.empty() : Optional.of(ShimAddress.pathOf(socket));
  }
}
