package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonCommandLineTest {
  @Test
  void dropsTheStartActionAndResolvesJava() throws Exception {
    byte[] raw = "java\0-Xss256k\0-cp\0a.jar\0Main\0-namespace\0ns\0-id\0c\0start\0"
        .getBytes(StandardCharsets.UTF_8);
    List<String> cmdline = DaemonCommandLine.split(raw);
    assertThat(DaemonCommandLine.withoutAction(cmdline, "/opt/jdk/bin/java")).containsExactly(
        "/opt/jdk/bin/java", "-Xss256k", "-cp", "a.jar", "Main", "-namespace", "ns", "-id", "c");
  }

  @Test
  void dropsADoubleDashBeforeTheAction() throws Exception {
    assertThat(DaemonCommandLine.withoutAction(List.of("java", "Main", "-id", "c", "--", "start"), "/j"))
        .containsExactly("/j", "Main", "-id", "c");
  }

  @Test
  void refusesACommandLineWithoutStart() {
    assertThatThrownBy(() -> DaemonCommandLine.withoutAction(List.of("java", "Main", "delete"), "/j"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void anotherStartsDaemonKeepsThisJvmsOptionsAndTakesItsFlags() throws Exception {
    List<String> daemon = List.of("java", "-Xss256k", "-Dx=Main", "-cp", "a.jar", "Main", "-id", "mine");

    assertThat(DaemonCommandLine.jvmPart(daemon, "Main", List.of("-id", "theirs", "start")))
        .containsExactly("java", "-Xss256k", "-Dx=Main", "-cp", "a.jar", "Main", "-id", "theirs", "start");
    assertThatThrownBy(() -> DaemonCommandLine.jvmPart(daemon, "Other", List.of("start")))
        .isInstanceOf(IOException.class).hasMessageContaining("Other");
  }
}
