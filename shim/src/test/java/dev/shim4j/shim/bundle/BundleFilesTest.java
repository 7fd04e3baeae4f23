package dev.shim4j.shim.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.api.runc.options.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleFilesTest {
  @TempDir Path bundle;

  @Test
  void atomicWriteReplacesWholeFileWithOwnerOnlyMode() throws Exception {
    Path f = bundle.resolve("address");
    Files.writeString(f, "old content that is longer");
    AtomicFiles.write(f, "unix:///run/containerd/s/abc");
    assertThat(Files.readString(f)).isEqualTo("unix:///run/containerd/s/abc");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    try (var listing = Files.list(bundle)) {
      assertThat(listing).containsExactly(f); // no temp file left behind
    }
  }

  @Test
  void addressRoundTrips() throws Exception {
    assertThat(BundleFiles.readAddress(bundle)).isEmpty();
    BundleFiles.writeAddress(bundle, "unix:///run/containerd/s/1234");
    assertThat(BundleFiles.readAddress(bundle)).contains("unix:///run/containerd/s/1234");
  }

  /** writeOptions spells the fields out instead of reading descriptors: it must match ProtoJson. */
  @Test
  void optionsJsonIsWhatProtoJsonMakesOfEveryField() {
    Options every = Options.newBuilder()
        .setNoPivotRoot(true).setNoNewKeyring(true).setShimCgroup("/shim").setIoUid(-2).setIoGid(7)
        .setBinaryName("crun").setRoot("/run/r").setCriuPath("/criu").setSystemdCgroup(true)
        .setCriuImagePath("/img").setCriuWorkPath("/work").setTaskApiAddress("unix:///a")
        .setTaskApiVersion(3).build();
    assertThat(Options.getDescriptor().getFields()).hasSize(13);
    assertThat(BundleFiles.optionsJson(every)).containsExactlyEntriesOf(ProtoJson.toMap(every));
    assertThat(BundleFiles.optionsJson(every)).containsEntry("io_uid", 4294967294L);
    assertThat(BundleFiles.optionsJson(Options.getDefaultInstance())).isEmpty();
    assertThat(ProtoJson.toMap(Options.getDefaultInstance())).isEmpty();
    // and back, as ProtoJson reads it
    String json = Json.write(BundleFiles.optionsJson(every));
    assertThat(BundleFiles.optionsFromJson(Json.parseObject(json)))
        .isEqualTo(every).isEqualTo(ProtoJson.read(json, Options.newBuilder()).build());
  }

  @Test
  void optionsUseContainerdFieldNamesAndOmitZeroValues() throws Exception {
    Options options = Options.newBuilder().setBinaryName("/usr/bin/runc").setRoot("/run/runc")
        .setSystemdCgroup(true).setIoUid(1000).setShimCgroup("/shim").build();
    BundleFiles.writeOptions(bundle, options);
    assertThat(Files.readString(bundle.resolve("options.json"))).isEqualTo(
        "{\"shim_cgroup\":\"/shim\",\"io_uid\":1000,\"binary_name\":\"/usr/bin/runc\","
            + "\"root\":\"/run/runc\",\"systemd_cgroup\":true}");
    assertThat(BundleFiles.readOptions(bundle)).contains(options);
  }

  @Test
  void optionsAsGoWritesThemAreRead() throws Exception {
    Files.writeString(bundle.resolve("options.json"),
        "{\"no_pivot_root\":true,\"io_gid\":4294967295,\"binary_name\":\"crun\",\"future_field\":[1]}");
    Options read = BundleFiles.readOptions(bundle).orElseThrow();
    assertThat(read.getNoPivotRoot()).isTrue();
    assertThat(Integer.toUnsignedLong(read.getIoGid())).isEqualTo(4294967295L);
    assertThat(read.getBinaryName()).isEqualTo("crun");
    assertThat(ProtoJson.write(read)).contains("\"io_gid\":4294967295");
  }

  @Test
  void missingOptionsAreEmptyAndBadOnesAreErrors() throws Exception {
    assertThat(BundleFiles.readOptions(bundle)).isEmpty();
    Files.writeString(bundle.resolve("options.json"), "{\"io_uid\":-1}");
    assertThatThrownBy(() -> BundleFiles.readOptions(bundle))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("io_uid");
    Files.writeString(bundle.resolve("options.json"), "{\"root\":5}");
    assertThatThrownBy(() -> BundleFiles.readOptions(bundle)).hasMessageContaining("root must be a string");
  }

  @Test
  void runtimeRoundTrips() throws Exception {
    BundleFiles.writeRuntime(bundle, "runc");
    assertThat(BundleFiles.readRuntime(bundle)).contains("runc");
  }

  @Test
  void pidFileIsAwaitedUntilItAppears() throws Exception {
    Path pid = bundle.resolve("init.pid");
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(100);
        Files.writeString(pid, "");
        Thread.sleep(50);
        Files.writeString(pid, "4242");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(BundleFiles.readPid(pid, Duration.ofSeconds(10))).isEqualTo(4242);
    writer.get(5, TimeUnit.SECONDS);
  }

  @Test
  void pidFileTimesOutWithWhatItSaw() throws Exception {
    Path pid = bundle.resolve("exec.pid");
    assertThatThrownBy(() -> BundleFiles.readPid(pid, Duration.ofMillis(50)))
        .isInstanceOf(TimeoutException.class).hasMessageContaining("did not appear");
    Files.writeString(pid, "abc");
    assertThatThrownBy(() -> BundleFiles.readPid(pid, Duration.ofMillis(50)))
        .isInstanceOf(TimeoutException.class).hasMessageContaining("\"abc\"");
    BundleFiles.writePid(pid, 77);
    assertThat(BundleFiles.readPid(pid, Duration.ZERO)).isEqualTo(77);
  }
}
