package dev.shim4j.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
