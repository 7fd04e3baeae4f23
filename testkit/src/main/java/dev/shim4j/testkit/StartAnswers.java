package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The bootstrap answers a containerd got from shim4j shims, as the shims log them into
 * containerd's log ({@code start answered ...}, or {@code start of ID answered ...} when a daemon
 * or a spare answered), and what each release asks for: containerd 1.6 sends no
 * {@code MAX_SHIM_VERSION} and reads a plain {@code unix://} address (task API v2 is all it
 * speaks); 1.7 and 2.1 send {@code MAX_SHIM_VERSION=2} and read JSON naming the address and task
 * API version 2.
 */
public final class StartAnswers {

    /** containerd logs a shim's line with its quotes escaped: {@code {\"version\":2,...}}. */
    private static final Pattern JSON_V2 = Pattern.compile(".*answered \\{\\\\\"version\\\\\":2,\\\\\"address\\\\\":\\\\\"unix://.*");
    private static final Pattern PLAIN = Pattern.compile(".*answered unix://\\S+.*");

    private StartAnswers() {}

    /** The lines of {@code cd}'s log where a shim says what its start answered, oldest first. */
    public static List<String> logged(PrivateContainerd cd) {
        return cd.log().lines().filter(l -> l.contains("start answered ") || l.contains("start of ")
                && l.contains(" answered ")).toList();
    }

    /** Whether {@code release} reads the JSON answer (it sets MAX_SHIM_VERSION); 1.6 does not. */
    public static boolean json(ContainerdRelease release) {
        return !release.series().equals("1.6");
    }

    /**
     * Checks that {@code cd}'s shims answered at least one start and each answer is the form its
     * release asks for, and prints the release, the task API version and the first answer (the
     * suite's record of what each containerd got). Returns the lines.
     */
    public static List<String> assertAsTheReleaseAsks(PrivateContainerd cd) {
        List<String> answers = logged(cd);
        assertThat(answers).as("no start answer in containerd's log:\n%s", cd.logTail(40)).isNotEmpty();
        Pattern form = json(cd.release()) ? JSON_V2 : PLAIN;
        assertThat(answers).as("containerd %s reads %s", cd.release().version(),
                json(cd.release()) ? "JSON naming task API v2" : "a plain address")
                .allMatch(l -> form.matcher(l).matches());
        String first = answers.getFirst().replaceFirst(".*(start (of \\S+ )?answered)", "$1")
                .replaceFirst("\"$", ""); // the end of containerd's quoted msg=
        System.out.printf("containerd %s: task API v2 (%s), %s%n", cd.release().version(),
                json(cd.release()) ? "named in the JSON answer" : "the only one 1.6 speaks", first);
        return answers;
    }
}
