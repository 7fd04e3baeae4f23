package dev.shim4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Process checks for leak assertions. On this kind of machine pid 1 reaps orphans lazily, so an
 * orphan that has exited can linger as a zombie for a while; {@link ProcessHandle#isAlive()}
 * calls a zombie alive, {@link #isRunning} does not.
 */
public final class Procs {

    private Procs() {}

    /** True if the process exists and is not a zombie. */
    public static boolean isRunning(ProcessHandle p) {
        return isRunning(p.pid());
    }

    public static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Field 3, after the parenthesised command name (which may itself hold spaces or ')').
            String afterName = stat.substring(stat.lastIndexOf(')') + 2);
            return afterName.charAt(0) != 'Z' && afterName.charAt(0) != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** True if one of the process's arguments (not counting argv[0]) equals {@code arg}. */
    public static boolean hasArgument(ProcessHandle p, String arg) {
        return p.info().arguments().map(a -> List.of(a).contains(arg)).orElse(false);
    }

    /** Live (non-zombie) processes with {@code arg} among their arguments, e.g. a socket path. */
    public static List<ProcessHandle> runningWithArgument(String arg) {
        return ProcessHandle.allProcesses().filter(p -> hasArgument(p, arg)).filter(Procs::isRunning).toList();
    }

    /**
     * The process's arguments as /proc/PID/cmdline has them, argv[0] first (empty if it is gone).
     * Trailing empty strings are dropped: a process that wrote a shorter command line over its
     * own leaves NULs behind it.
     */
    public static List<String> commandLine(long pid) {
        List<String> args = new ArrayList<>(nulSeparated(Path.of("/proc", Long.toString(pid), "cmdline")));
        while (!args.isEmpty() && args.getLast().isEmpty()) {
            args.removeLast();
        }
        return args;
    }

    /** The value after {@code flag} among the process's arguments, e.g. {@code -address}. */
    public static Optional<String> argumentAfter(long pid, String flag) {
        List<String> args = commandLine(pid);
        int i = args.indexOf(flag);
        return i >= 0 && i + 1 < args.size() ? Optional.of(args.get(i + 1)) : Optional.empty();
    }

    /** The environment the process was started with (/proc/PID/environ; empty if it is gone). */
    public static Map<String, String> environment(long pid) {
        Map<String, String> env = new HashMap<>();
        for (String entry : nulSeparated(Path.of("/proc", Long.toString(pid), "environ"))) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    /** The program the process runs (/proc/PID/exe), whatever it calls itself. */
    public static Optional<Path> executable(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /**
     * The paths of the unix sockets the process has open that are bound to a name in the file
     * system: the ones it listens on and the connections it accepted on them (Linux shows an
     * accepted connection with its listener's path). Read from /proc/PID/fd and /proc/net/unix.
     */
    public static Set<Path> boundUnixSockets(long pid) {
        return boundUnixSockets(List.of(pid)).get(pid);
    }

    /** {@link #boundUnixSockets(long)} of each of {@code pids}, from one read of /proc/net/unix. */
    public static Map<Long, Set<Path>> boundUnixSockets(java.util.Collection<Long> pids) {
        Map<String, Path> byInode = unixSocketPaths();
        Map<Long, Set<Path>> all = new HashMap<>();
        for (long pid : pids) {
            all.put(pid, boundUnixSockets(pid, byInode));
        }
        return all;
    }

    private static Set<Path> boundUnixSockets(long pid, Map<String, Path> byInode) {
        Set<Path> paths = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        Path path = byInode.get(target.substring("socket:[".length(), target.length() - 1));
                        if (path != null) {
                            paths.add(path);
                        }
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // gone
        }
        return paths;
    }

    /** inode -> path of every unix socket of this network namespace that has a path. */
    private static Map<String, Path> unixSocketPaths() {
        Map<String, Path> byInode = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.UTF_8)) {
                // Num RefCount Protocol Flags Type St Inode [Path]
                String[] f = line.trim().split("\\s+", 8);
                if (f.length == 8 && f[7].startsWith("/")) {
                    byInode.put(f[6], Path.of(f[7]));
                }
            }
        } catch (IOException e) {
            // no procfs: nothing known
        }
        return byInode;
    }

    private static List<String> nulSeparated(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return List.of();
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                parts.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            parts.add(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        }
        return parts;
    }
}
