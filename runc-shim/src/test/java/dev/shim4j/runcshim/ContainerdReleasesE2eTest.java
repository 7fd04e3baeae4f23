package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.ContainerdRelease;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PrivateContainerd;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * runc4j's core lifecycle on every containerd release the project supports (1.6, this machine's;
 * 1.7 and 2.1 from Debian's archive, see {@code scripts/containerd-fetch}), each with the
 * machine's runc: run with output and exit code, a detached task with an exec, kill and delete.
 * And what only 2.x asks: {@code -info}, through {@code ctr plugins inspect-runtime}.
 */
class ContainerdReleasesE2eTest {
  static Path shim;

  @BeforeAll
  static void setUp() {
    shim = E2eSupport.launcher();
  }

  @ParameterizedTest(name = "containerd {0}")
  @ValueSource(strings = {"1.6", "1.7", "2.1"})
  void lifecycle(String series) throws InterruptedException {
    try (var cd = PrivateContainerd.start(ContainerdRelease.of(series))) {
      assertThat(cd.ctrOk("version").stdout()).as("the server is the release asked for")
          .contains("Version:  " + series + ".");
      String image = cd.busyboxImage();

      CtrResult echo = cd.ctr("run", "--rm", "--runtime", shim.toString(), image, E2eSupport.id("echo"),
          "/bin/sh", "-c", "echo out; echo err >&2; exit 3");
      assertThat(echo.exitCode()).as(echo.toString()).isEqualTo(3);
      assertThat(echo.stdout()).isEqualTo("out\n");
      assertThat(echo.stderr()).contains("err");
      // The bootstrap answer each release gets: 1.6 sends no MAX_SHIM_VERSION and reads a plain
      // address; 1.7 and 2.1 send MAX_SHIM_VERSION=2 and read JSON naming task API v2.
      String answered = cd.log().lines().filter(l -> l.contains("answered ")).findFirst().orElse("");
      System.out.println("containerd " + cd.release().version() + ": " + answered);
      assertThat(answered).as(cd.logTail(40)).contains(switch (series) {
        case "1.6" -> "answered unix://";
        default -> "answered {\\\"version\\\":2,";
      });

      String id = E2eSupport.id("sleeper");
      cd.ctrOk("run", "-d", "--runtime", shim.toString(), image, id, "/bin/sleep", "600");
      CtrResult exec = cd.ctrOk("task", "exec", "--exec-id", "e1", id, "/bin/sh", "-c", "echo in-$((40+2))");
      assertThat(exec.stdout()).isEqualTo("in-42\n");
      cd.ctrOk("task", "kill", "-s", "SIGKILL", id);
      assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> cd.ctrOk("task", "ls").stdout().contains("STOPPED")))
          .as("the task stopped").isTrue();
      cd.ctrOk("task", "delete", id);
      cd.ctrOk("container", "delete", id);
      assertThat(cd.ctrOk("container", "ls", "-q").lines()).isEmpty();
    }
  }

  @Test
  void infoOnContainerd2NamesTheRuntimeAndRuncsFeatures() {
    try (var cd = PrivateContainerd.start(ContainerdRelease.of("2.1"))) {
      CtrResult info = cd.ctrOk("plugins", "inspect-runtime", "--runtime", shim.toString());
      assertThat(info.stdout())
          .contains("\"Name\": \"" + RuncShim.RUNTIME_ID + "\"")
          .contains("\"Features\": {")
          .contains("\"ociVersionMax\"");
    }
  }
}
