package dev.shim4j.maven;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Fills in the launcher template (shim4j-launcher's launcher.bash). The template stays a shell
 * script: containerd execs the launcher for every start and delete, and bash is the cheapest way
 * to put the JVM's command line together and exec shim4j-start without a JVM of its own.
 */
final class LauncherScript {
    /** What may appear unquoted in the script: the JDK's path and the jars' names. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._/+-]+");

    private LauncherScript() {}

    /**
     * The launcher of {@code command}. {@code jars} are names in lib/, in class path order;
     * each JVM option is single-quoted (options like {@code -Xlog:aot*=off} must not glob).
     */
    static String render(String template, Command command, String javaHome, List<String> jars,
            List<String> jvmOptions) {
        plain("JDK path", javaHome);
        jars.forEach(jar -> plain("jar name", jar));
        String classpath = jars.stream().map(jar -> "$lib/" + jar).collect(Collectors.joining(":"));
        String options = jvmOptions.stream().map(LauncherScript::quote).collect(Collectors.joining(" "));
        return template.replace("@NAME@", command.name())
                .replace("@MAIN@", command.mainClass())
                .replace("@JAVA_HOME@", javaHome)
                .replace("@CLASSPATH@", classpath)
                .replace("@JVM_OPTIONS@", options);
    }

    private static void plain(String what, String value) {
        if (!PLAIN.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' has characters a launcher cannot carry"
                    + " (allowed: " + PLAIN.pattern() + ")");
        }
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
