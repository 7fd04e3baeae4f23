package dev.shim4j.testkit;

import java.util.List;

/** What one finished {@code ctr} invocation produced. */
public record CtrResult(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }

    /** Non-blank stdout lines, trimmed: handy for {@code ls -q} style listings. */
    public List<String> lines() {
        return stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Override
    public String toString() {
        return "ctr exited " + exitCode + ": " + String.join(" ", command)
                + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
}
