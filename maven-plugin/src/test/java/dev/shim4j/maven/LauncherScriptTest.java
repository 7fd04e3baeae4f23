package dev.shim4j.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.launcher.LauncherFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What goes into a launcher: only what the script can carry, options quoted, the pom's last. */
class LauncherScriptTest {
    private static final Command SHIM = Command.of("containerd-shim-x-v1", "com.example.X", "shim", null);

    @Test
    void jvmOptionsDropCommentsAndBlanksAndEndWithThePoms() {
        List<String> options = JvmOptions.parse("# comment\n-Xmx64m  # why\n\n  -XX:+UseSerialGC\n", List.of(" -Xmx128m ", ""));
        assertThat(options).containsExactly("-Xmx64m", "-XX:+UseSerialGC", "-Xmx128m");
    }

    @Test
    void theShippedJvmOptionsParse() {
        List<String> options = JvmOptions.parse(LauncherFiles.text(LauncherFiles.JVM_OPTIONS), null);
        assertThat(options).contains("-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED")
                .allSatisfy(o -> assertThat(o).startsWith("-").doesNotContain("#"));
    }

    @Test
    void fillsInTheTemplateWithQuotedOptionsAndTheLibClassPath() {
        String script = LauncherScript.render(LauncherFiles.text(LauncherFiles.LAUNCHER_TEMPLATE), SHIM,
                "/usr/lib/jvm/jdk-25", List.of("shim-1.jar", "api-1.jar"), List.of("-Xlog:aot*=off", "-Da='b'"));
        assertThat(script).doesNotContain("@NAME@", "@MAIN@", "@JAVA_HOME@", "@CLASSPATH@", "@JVM_OPTIONS@")
                .contains("'-Xlog:aot*=off' '-Da='\\''b'\\'''")
                .contains("-cp \"$lib/shim-1.jar:$lib/api-1.jar\"")
                .contains("java_home=${java_home:-/usr/lib/jvm/jdk-25}")
                .contains("cache=$lib/aot/containerd-shim-x-v1.aot")
                .contains("com.example.X \"$@\"");
    }

    @Test
    void refusesWhatTheScriptCannotCarry() {
        String template = LauncherFiles.text(LauncherFiles.LAUNCHER_TEMPLATE);
        assertThatThrownBy(() -> LauncherScript.render(template, SHIM, "/jdk", List.of("a$(id).jar"), List.of()))
                .hasMessageContaining("jar name");
        assertThatThrownBy(() -> LauncherScript.render(template, SHIM, "/my jdk", List.of("a.jar"), List.of()))
                .hasMessageContaining("JDK path");
    }

    @Test
    void commandsArePlainNamesAndClasses() {
        SHIM.check();
        Command.of("containerd-shim-x-v1", "com.example.X", "none", null).check();
        for (Command bad : List.of(
                Command.of("../x", "com.example.X", "shim", null),
                Command.of("x;reboot", "com.example.X", "shim", null),
                Command.of(null, "com.example.X", "shim", null),
                Command.of("x", "com.example.X\"; id", "shim", null),
                Command.of("x", null, "shim", null),
                Command.of("x", "com.example.X", "sometimes", null),
                Command.of("x", "com.example.X", "client", "com.example.Train"))) {
            assertThatThrownBy(bad::check).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
