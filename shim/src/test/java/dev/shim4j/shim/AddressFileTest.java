package dev.shim4j.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressFileTest {
  @Test
  void writesReplacesAndReads(@TempDir Path bundle) throws Exception {
    assertThat(AddressFile.read(bundle)).isEmpty();
    AddressFile.write(bundle, "unix:///run/containerd/s/one");
    AddressFile.write(bundle, "unix:///run/containerd/s/two");
    assertThat(Files.readString(bundle.resolve("address"))).isEqualTo("unix:///run/containerd/s/two");
    assertThat(AddressFile.read(bundle)).contains("unix:///run/containerd/s/two");
    try (var files = Files.list(bundle)) {
      assertThat(files).as("no temporary file left").containsExactly(bundle.resolve("address"));
    }
  }
}
