package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartWireTest {
  private static final StartWire.Request REQUEST = new StartWire.Request(
      List.of("-namespace", "ns", "-id", "c1", "start"), Path.of("/run/bundle"),
      Map.of("PATH", "/bin", "EMPTY", ""), new byte[] {1, 2, 0, 3});

  @Test
  void aRequestReadsBackAsWritten() throws Exception {
    StartWire.Request read = StartWire.read(new ByteArrayInputStream(StartWire.encode(REQUEST)));

    assertThat(read.args()).isEqualTo(REQUEST.args());
    assertThat(read.cwd()).isEqualTo(REQUEST.cwd());
    assertThat(read.env()).isEqualTo(REQUEST.env());
    assertThat(read.stdin()).containsExactly(1, 2, 0, 3);
    assertThat(read.isStart()).isTrue();
    assertThat(read.startArgs()).startsWith("-bundle", "/run/bundle").endsWith("start");
  }

  @Test
  void anotherProtocolOrAnOversizeOrCutRequestIsRefused() {
    byte[] good = StartWire.encode(REQUEST);
    byte[] otherMagic = good.clone();
    otherMagic[3] = '2';
    assertThatThrownBy(() -> StartWire.read(new ByteArrayInputStream(otherMagic)))
        .isInstanceOf(StartWire.MalformedRequest.class);

    byte[] huge = ByteBuffer.allocate(8).put("S4J1".getBytes()).putInt(StartWire.MAX_REQUEST + 1).array();
    assertThatThrownBy(() -> StartWire.read(new ByteArrayInputStream(huge)))
        .isInstanceOf(StartWire.MalformedRequest.class);

    byte[] cut = Arrays.copyOf(good, good.length - 2);
    assertThatThrownBy(() -> StartWire.read(new ByteArrayInputStream(cut))).isInstanceOf(EOFException.class);

    // a count of two billion arguments in a small body: refused before anything is allocated
    byte[] lying = ByteBuffer.allocate(16).put("S4J1".getBytes()).putInt(8).putInt(Integer.MAX_VALUE).putInt(0).array();
    assertThatThrownBy(() -> StartWire.read(new ByteArrayInputStream(lying)))
        .isInstanceOf(StartWire.MalformedRequest.class);

    StartWire.Request bigStdin = new StartWire.Request(REQUEST.args(), REQUEST.cwd(), REQUEST.env(),
        new byte[StartWire.MAX_STDIN + 1]);
    assertThatThrownBy(() -> StartWire.read(new ByteArrayInputStream(StartWire.encode(bigStdin))))
        .isInstanceOf(StartWire.MalformedRequest.class);
  }

  @Test
  void theReplyIsStatusStdoutStderr() {
    ByteBuffer reply = ByteBuffer.wrap(StartWire.reply(3, new byte[] {'a'}, new byte[] {'b', 'c'}));
    assertThat(reply.getInt()).isEqualTo(3);
    assertThat(reply.getInt()).isEqualTo(1);
    assertThat(reply.get()).isEqualTo((byte) 'a');
    assertThat(reply.getInt()).isEqualTo(2);
  }
}
