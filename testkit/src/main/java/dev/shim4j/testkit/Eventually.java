package dev.shim4j.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for a condition in an end-to-end test: polled, bounded, never timed. */
public final class Eventually {
    private Eventually() {}

    /** Polls {@code condition} every 50 ms until it holds or {@code timeout} passed; whether it held. */
    public static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
