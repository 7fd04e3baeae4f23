package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchersTest {

    /** What the launched JVM runs: prints its arguments and a system property set by the launcher. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println(String.join("|", args));
            System.out.println(System.getProperty("probe.flag"));
            System.out.println(ProcessHandle.current().info().arguments().map(List::of).orElse(List.of())
                    .contains("--enable-native-access=ALL-UNNAMED"));
        }
    }

    @Test
    void launcherRunsTheMainClassOnTheTestClasspath(@TempDir Path dir) throws Exception {
        Path launcher = Launchers.write(dir.resolve("bin"), "probe-launcher", Probe.class.getName(),
                List.of("-Dprobe.flag=it's set", "-Xshare:auto"));

        assertThat(launcher).isAbsolute().isExecutable();
        assertThat(Files.readString(launcher)).startsWith("#!/bin/bash\n");
        // Run from another working directory, as containerd does (cwd = bundle).
        CtrResult r = Commands.run(List.of("/bin/sh", "-c", "cd / && exec \"$0\" \"$@\"", launcher.toString(),
                "-id", "a b", "start"), Map.of(), new byte[0], Duration.ofSeconds(60));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("-id|a b|start\nit's set\ntrue\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void quotesWordsForBash() {
        assertThat(Launchers.shellQuote("a'b c")).isEqualTo("'a'\\''b c'");
    }
}
