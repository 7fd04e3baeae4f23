package dev.shim4j.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class whose containerd is {@link PrivateContainerd#start()}'s, the release the
 * run selected ({@link ContainerdRelease#selected()}): the build runs such a class once per
 * supported release. It carries the JUnit tag {@value #TAG}; the parent pom's surefire
 * executions {@code e2e-containerd-1.7} and {@code e2e-containerd-2.1} run the tagged classes
 * of a module again with {@code shim4j.containerd} set, after the default execution ran every
 * class on 1.6. A module opts in by setting {@code shim4j.e2e.phase} (see the parent pom), and
 * a new end-to-end class joins by carrying this annotation. Classes that pick their releases
 * themselves ({@link PrivateContainerd#start(ContainerdRelease)}) go without it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Tag(OnEveryContainerd.TAG)
public @interface OnEveryContainerd {
    /** The JUnit tag the per-release executions select. */
    String TAG = "containerd";
}
