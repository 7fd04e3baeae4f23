package dev.shim4j.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InotifyTest {
  @TempDir Path tmp;

  @Test
  void seesAWriteToAWatchedFile() throws Exception {
    Path file = tmp.resolve("memory.events");
    Files.writeString(file, "oom 0\noom_kill 0\n");
    try (Inotify inotify = Inotify.open()) {
      int wd = inotify.addWatch(file, Inotify.IN_MODIFY);
      assertThat(inotify.read(Duration.ofMillis(20))).isEmpty();
      Files.writeString(file, "oom 1\noom_kill 1\n");
      List<Inotify.Event> events = inotify.read(Duration.ofSeconds(5));
      assertThat(events).isNotEmpty();
      assertThat(events.getFirst().wd()).isEqualTo(wd);
      assertThat(events.getFirst().is(Inotify.IN_MODIFY)).isTrue();
      assertThat(events.getFirst().name()).isEmpty();
      inotify.removeWatch(wd);
    }
  }

  @Test
  void directoryWatchNamesTheFile() throws Exception {
    try (Inotify inotify = Inotify.open()) {
      inotify.addWatch(tmp, Inotify.IN_CREATE);
      Files.writeString(tmp.resolve("new-file"), "x");
      List<Inotify.Event> events = inotify.read(Duration.ofSeconds(5));
      assertThat(events).anySatisfy(e -> {
        assertThat(e.name()).isEqualTo("new-file");
        assertThat(e.is(Inotify.IN_CREATE)).isTrue();
      });
    }
  }

  @Test
  void closeEndsAWaitingRead() throws Exception {
    Inotify inotify = Inotify.open();
    inotify.addWatch(tmp, Inotify.IN_CREATE);
    var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return inotify.read(Duration.ofMinutes(5));
      } catch (SysException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(200);
    assertThat(reader).isNotDone();
    inotify.close();
    assertThat(reader.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void watchingAMissingFileIsEnoent() throws Exception {
    try (Inotify inotify = Inotify.open()) {
      assertThatThrownBy(() -> inotify.addWatch(tmp.resolve("missing"), Inotify.IN_MODIFY))
          .hasMessageContaining("inotify_add_watch").hasMessageContaining("ENOENT");
    }
  }
}
