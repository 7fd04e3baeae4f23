package dev.shim4j.ttrpc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.shim4j.ttrpc.Metadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void workedExampleOfProtocolMdIsByteExact() {
    byte[] stateRequest = StringValue.of("c1").toByteArray(); // StateRequest{id:"c1"}: field 1
    byte[] body = new WireRequest("containerd.task.v2.Task", "State", stateRequest, 0,
        Metadata.EMPTY).encode();
    byte[] frame = new Frame(1, Frame.TYPE_REQUEST, (byte) 0, body).toBytes();

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(HEX.parseHex("00000026000000010100"));
    expected.writeBytes(HEX.parseHex("0a17"));
    expected.writeBytes("containerd.task.v2.Task".getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(HEX.parseHex("1205"));
    expected.writeBytes("State".getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(HEX.parseHex("1a040a026331"));

    assertThat(body).hasSize(38);
    assertThat(HEX.formatHex(frame)).isEqualTo(HEX.formatHex(expected.toByteArray()));
  }

  @Test
  void readerDecodesTheWorkedExample() throws Exception {
    byte[] body = new WireRequest("containerd.task.v2.Task", "State",
        StringValue.of("c1").toByteArray(), 0, Metadata.EMPTY).encode();
    byte[] bytes = new Frame(1, Frame.TYPE_REQUEST, (byte) 0, body).toBytes();

    FrameReader reader = reader(bytes);
    Frame f = reader.read();

    assertThat(f.streamId()).isEqualTo(1);
    assertThat(f.type()).isEqualTo(Frame.TYPE_REQUEST);
    assertThat(f.flags()).isZero();
    WireRequest r = WireRequest.decode(f.payload());
    assertThat(r.service()).isEqualTo("containerd.task.v2.Task");
    assertThat(r.method()).isEqualTo("State");
    assertThat(StringValue.parseFrom(r.payload()).getValue()).isEqualTo("c1");
    assertThat(reader.read()).as("clean end between frames").isNull();
  }

  @Test
  void headerIsBigEndianWithTypeAndFlags() {
    byte[] bytes = new Frame(0x01020304, Frame.TYPE_DATA, (byte) 0x05, new byte[] {9, 8}).toBytes();
    assertThat(HEX.formatHex(bytes)).isEqualTo("00000002" + "01020304" + "03" + "05" + "0908");
  }

  @Test
  void manyFramesOfMixedSizesRoundTrip() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int[] sizes = {0, 1, 10, 65_536, 100_000, 3, Frame.MAX_PAYLOAD};
    for (int i = 0; i < sizes.length; i++) {
      byte[] p = new byte[sizes[i]];
      if (p.length > 0) {
        p[p.length - 1] = (byte) i;
      }
      out.writeBytes(new Frame(2 * i + 1, Frame.TYPE_DATA, (byte) i, p).toBytes());
    }
    FrameReader reader = reader(out.toByteArray());
    for (int i = 0; i < sizes.length; i++) {
      Frame f = reader.read();
      assertThat(f.streamId()).isEqualTo(2 * i + 1);
      assertThat(f.flags()).isEqualTo((byte) i);
      assertThat(f.payload()).hasSize(sizes[i]);
      if (sizes[i] > 0) {
        assertThat(f.payload()[sizes[i] - 1]).isEqualTo((byte) i);
      }
    }
    assertThat(reader.read()).isNull();
  }

  @Test
  void oversizeFrameIsDiscardedAndTheNextFrameStillReads() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new Frame(7, Frame.TYPE_REQUEST, (byte) 0, new byte[Frame.MAX_PAYLOAD + 1])
        .toBytes());
    out.writeBytes(new Frame(9, Frame.TYPE_REQUEST, (byte) 0, new byte[] {42}).toBytes());
    FrameReader reader = reader(out.toByteArray());

    assertThatThrownBy(reader::read)
        .isInstanceOfSatisfying(OversizeFrameException.class, e -> {
          assertThat(e.streamId()).isEqualTo(7);
          assertThat(e.length()).isEqualTo(Frame.MAX_PAYLOAD + 1L);
        });
    Frame next = reader.read();
    assertThat(next.streamId()).isEqualTo(9);
    assertThat(next.payload()).containsExactly(42);
  }

  @Test
  void exactlyTheLimitIsAccepted() throws Exception {
    byte[] bytes = new Frame(1, Frame.TYPE_DATA, (byte) 0, new byte[Frame.MAX_PAYLOAD]).toBytes();
    assertThat(reader(bytes).read().payload()).hasSize(Frame.MAX_PAYLOAD);
  }

  @Test
  void truncatedHeaderIsAnError() {
    byte[] bytes = HEX.parseHex("0000000100000001");
    assertThatThrownBy(() -> reader(bytes).read()).isInstanceOf(EOFException.class)
        .hasMessageContaining("header");
  }

  @Test
  void truncatedPayloadIsAnError() {
    byte[] bytes = HEX.parseHex("00000010000000010100" + "0a0b");
    assertThatThrownBy(() -> reader(bytes).read()).isInstanceOf(EOFException.class)
        .hasMessageContaining("payload");
  }

  private static FrameReader reader(byte[] bytes) {
    return new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)),
        Frame.MAX_PAYLOAD);
  }
}
