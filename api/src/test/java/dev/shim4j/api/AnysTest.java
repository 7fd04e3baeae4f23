package dev.shim4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.GeneratedMessage;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskStart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AnysTest {
  private static final TaskExit EXIT = TaskExit.newBuilder()
      .setContainerId("c1").setId("c1").setPid(42).setExitStatus(137)
      .setExitedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5))
      .build();

  @Test
  void packWritesTheBareFullName() {
    Any any = Anys.pack(EXIT);
    assertThat(any.getTypeUrl()).isEqualTo("containerd.events.TaskExit");
    assertThat(any.getValue()).isEqualTo(EXIT.toByteString());
  }

  @Test
  void unpackAcceptsBareAndPrefixedUrls() throws Exception {
    Any bare = Anys.pack(EXIT);
    Any prefixed = Any.pack(EXIT);
    assertThat(prefixed.getTypeUrl()).isEqualTo("type.googleapis.com/containerd.events.TaskExit");
    assertThat(Anys.unpack(bare, TaskExit.class)).isEqualTo(EXIT);
    assertThat(Anys.unpack(prefixed, TaskExit.class)).isEqualTo(EXIT);
    assertThat(Anys.unpack(bare, TaskExit.parser())).isEqualTo(EXIT);
  }

  /**
   * fullName derives names from Java packages instead of descriptors; every message class this
   * module generates (nested ones included) must get its descriptor's name, and from the table,
   * not from the descriptor fallback (a new .proto package must be added there).
   */
  @Test
  void fullNameOfEveryGeneratedMessageIsItsDescriptorName() throws Exception {
    Path classes = Path.of(Anys.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> messages = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
        Class<?> c = Class.forName(name, false, Anys.class.getClassLoader());
        if (GeneratedMessage.class.isAssignableFrom(c) && c != GeneratedMessage.class) {
          messages.add(c);
        }
      }
    }
    assertThat(messages).hasSizeGreaterThan(50);
    for (Class<?> c : messages) {
      @SuppressWarnings("unchecked")
      Class<? extends Message> type = (Class<? extends Message>) c;
      String expected = Internal.getDefaultInstance(type).getDescriptorForType().getFullName();
      assertThat(Anys.fullName(type)).as(c.getName()).isEqualTo(expected);
      assertThat(Anys.PROTO_PACKAGES).as("Anys' table of proto packages")
          .containsKey(c.getPackageName());
    }
    assertThat(Anys.fullName(Timestamp.class)).isEqualTo("google.protobuf.Timestamp");
  }

  @Test
  void isComparesTheTypeName() {
    assertThat(Anys.is(Anys.pack(EXIT), TaskExit.class)).isTrue();
    assertThat(Anys.is(Any.pack(EXIT), TaskExit.class)).isTrue();
    assertThat(Anys.is(Anys.pack(EXIT), TaskStart.class)).isFalse();
    assertThat(Anys.is(Any.getDefaultInstance(), TaskExit.class)).isFalse();
    assertThat(Anys.typeName(Any.pack(EXIT))).isEqualTo("containerd.events.TaskExit");
  }

  @Test
  void unpackOfAnotherTypeFailsWithBothNames() {
    assertThatThrownBy(() -> Anys.unpack(Anys.pack(EXIT), TaskStart.class))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("containerd.events.TaskExit")
        .hasMessageContaining("containerd.events.TaskStart");
    assertThatThrownBy(() -> Anys.unpack(Any.getDefaultInstance(), TaskStart.class))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("no type_url");
  }

  @Test
  void unpackOfMalformedBytesFails() {
    Any broken = Anys.pack(EXIT).toBuilder()
        .setValue(com.google.protobuf.ByteString.copyFrom(new byte[] {0x0a, 0x7f}))
        .build();
    assertThatThrownBy(() -> Anys.unpack(broken, TaskExit.class))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void jsonPayloadsRoundTripUnderTheirExactUrl() {
    String process = "{\"args\":[\"/bin/sh\",\"-c\",\"echo é\"],\"cwd\":\"/\"}";
    Any any = Anys.json(Anys.OCI_PROCESS, process);
    assertThat(any.getTypeUrl()).isEqualTo("types.containerd.io/opencontainers/runtime-spec/1/Process");
    assertThat(Anys.jsonText(any, Anys.OCI_PROCESS)).isEqualTo(process);
    assertThatThrownBy(() -> Anys.jsonText(any, Anys.OCI_LINUX_RESOURCES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runtime-spec/1/Process");
  }
}
