package dev.shim4j.shim.reaper;

import java.time.Instant;

/**
 * A reaped child. {@code status} is what containerd reports: the exit code, or 128 + the signal
 * number when a signal ended the process.
 */
public record Exit(int pid, int status, Instant exitedAt) {}
