package dev.shim4j.ttrpc;

import static dev.shim4j.ttrpc.Echo.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the server does with frames no well-behaved client sends, checked byte by byte. */
@Timeout(30)
class RawProtocolTest {
  @TempDir Path dir;
  private Server server;
  private RawConnection raw;

  @BeforeEach
  void start() throws Exception {
    Path socket = dir.resolve("raw.sock");
    server = Server.builder().register(Echo.service()).build().bind(socket);
    raw = RawConnection.connect(socket);
  }

  @AfterEach
  void stop() throws Exception {
    raw.close();
    server.close();
  }

  private void assertEchoWorks(int id) throws Exception {
    raw.request(id, (byte) 0, Echo.SERVICE, "Echo", s("ok" + id).toByteArray());
    WireResponse r = raw.response(id);
    assertThat(r.isOk()).as("status %s", r.status()).isTrue();
    assertThat(StringValue.parseFrom(r.payload()).getValue()).isEqualTo("ok" + id);
  }

  private static void assertStatus(WireResponse r, Code code, String messagePart) {
    assertThat(r.isOk()).isFalse();
    assertThat(Code.of(r.status().code())).isEqualTo(code);
    assertThat(r.status().message()).contains(messagePart);
  }

  @Test
  void okResponseIsAResponseFrameWithoutStatus() throws Exception {
    raw.request(1, (byte) 0, Echo.SERVICE, "Echo", s("c1").toByteArray());
    Frame f = raw.read();
    assertThat(f.type()).isEqualTo(Frame.TYPE_RESPONSE);
    assertThat(f.flags()).isZero();
    assertThat(f.streamId()).isEqualTo(1);
    // Response{payload: StringValue{"c1"}}: 12 04 0a 02 63 31
    assertThat(HexFormat.of().formatHex(f.payload())).isEqualTo("12040a026331");
  }

  @Test
  void undecodableRequestIsInvalidArgumentAndTheConnectionStays() throws Exception {
    raw.write(new Frame(1, Frame.TYPE_REQUEST, (byte) 0, new byte[] {0x0a, 0x7f, 0x01}));
    assertStatus(raw.response(1), Code.INVALID_ARGUMENT, "cannot decode request");
    assertEchoWorks(3);
  }

  @Test
  void undecodablePayloadIsInvalidArgument() throws Exception {
    raw.request(1, (byte) 0, Echo.SERVICE, "Echo", new byte[] {0x0a, 0x7f});
    assertStatus(raw.response(1), Code.INVALID_ARGUMENT, "cannot decode");
    assertEchoWorks(3);
  }

  @Test
  void evenStreamIdIsInvalidArgument() throws Exception {
    raw.request(2, (byte) 0, Echo.SERVICE, "Echo", s("x").toByteArray());
    assertStatus(raw.response(2), Code.INVALID_ARGUMENT, "odd");
    assertEchoWorks(3);
  }

  @Test
  void reusedOrDecreasingStreamIdIsInvalidArgument() throws Exception {
    assertEchoWorks(5);
    raw.request(5, (byte) 0, Echo.SERVICE, "Echo", s("x").toByteArray());
    assertStatus(raw.response(5), Code.INVALID_ARGUMENT, "must increase");
    raw.request(3, (byte) 0, Echo.SERVICE, "Echo", s("x").toByteArray());
    assertStatus(raw.response(3), Code.INVALID_ARGUMENT, "must increase");
    assertEchoWorks(7);
  }

  @Test
  void unknownServiceAndMethodAreUnimplemented() throws Exception {
    raw.request(1, (byte) 0, "no.Such", "Echo", new byte[0]);
    assertStatus(raw.response(1), Code.UNIMPLEMENTED, "no.Such");
    raw.request(3, (byte) 0, Echo.SERVICE, "Nope", new byte[0]);
    assertStatus(raw.response(3), Code.UNIMPLEMENTED, "test.Echo/Nope");
    assertEchoWorks(5);
  }

  @Test
  void dataForAnUnknownStreamIsInvalidArgument() throws Exception {
    raw.write(new Frame(9, Frame.TYPE_DATA, (byte) 0, s("x").toByteArray()));
    assertStatus(raw.response(9), Code.INVALID_ARGUMENT, "not open");
    assertEchoWorks(11);
  }

  @Test
  void dataForAUnaryStreamIsInvalidArgument() throws Exception {
    assertEchoWorks(1);
    raw.write(new Frame(1, Frame.TYPE_DATA, (byte) 0, s("x").toByteArray()));
    assertStatus(raw.response(1), Code.INVALID_ARGUMENT, "not open");
  }

  @Test
  void oversizeFrameIsAnsweredResourceExhaustedAndTheConnectionStays() throws Exception {
    byte[] big = new byte[Frame.MAX_PAYLOAD + 1];
    raw.write(new Frame(1, Frame.TYPE_REQUEST, (byte) 0, big));
    assertStatus(raw.response(1), Code.RESOURCE_EXHAUSTED, "exceeds");
    assertEchoWorks(3);
  }

  @Test
  void truncatedFrameClosesTheConnection() throws Exception {
    raw.write(HexFormat.of().parseHex("00000020000000010100" + "0a04"));
    raw.channel.shutdownOutput();
    assertThat(raw.read()).as("server closes; nothing is answered").isNull();
  }

  @Test
  void unexpectedFrameTypeIsInvalidArgument() throws Exception {
    raw.write(new Frame(1, Frame.TYPE_RESPONSE, (byte) 0, new byte[0]));
    assertStatus(raw.response(1), Code.INVALID_ARGUMENT, "frame type");
    assertEchoWorks(3);
  }

  @Test
  void serverStreamFramesHaveTheProtocolFlags() throws Exception {
    raw.request(1, Frame.FLAG_REMOTE_CLOSED, Echo.SERVICE, "Split", s("a,b").toByteArray());
    Frame a = raw.read();
    Frame b = raw.read();
    Frame end = raw.read();
    assertThat(a.type()).isEqualTo(Frame.TYPE_DATA);
    assertThat(a.flags()).isZero();
    assertThat(StringValue.parseFrom(a.payload()).getValue()).isEqualTo("a");
    assertThat(StringValue.parseFrom(b.payload()).getValue()).isEqualTo("b");
    assertThat(end.type()).isEqualTo(Frame.TYPE_DATA);
    assertThat(end.flags()).isEqualTo((byte) (Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA));
    assertThat(end.payload()).isEmpty();
    assertThat(end.streamId()).isEqualTo(1);
  }

  @Test
  void floodedClientStreamIsFailedWithResourceExhaustedAndTheConnectionStays() throws Exception {
    Path socket = dir.resolve("flood.sock");
    var stuck = Echo.CLIENT_STREAM.withService("test.Stuck");
    java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
    try (Server s = Server.builder().register(Echo.service())
        .register(ServiceDefinition.builder("test.Stuck").clientStreaming(stuck, (ctx, in) -> {
          try {
            Thread.sleep(20_000); // never reads
          } finally {
            if (ctx.isCancelled()) {
              cancelled.countDown();
            }
          }
          return s("never");
        }).build())
        .build().bind(socket);
        RawConnection flood = RawConnection.connect(socket)) {
      flood.request(1, (byte) (Frame.FLAG_REMOTE_OPEN | Frame.FLAG_NO_DATA), "test.Stuck", "Join",
          null);
      java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < ServerConnection.MAX_BACKLOG + 10; i++) {
        burst.writeBytes(new Frame(1, Frame.TYPE_DATA, (byte) 0, s("m" + i).toByteArray())
            .toBytes());
      }
      flood.write(burst.toByteArray());
      WireResponse r = flood.response(1);
      assertStatus(r, Code.RESOURCE_EXHAUSTED, "waiting for the handler");
      assertThat(cancelled.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // the rest of the burst is refused (INVALID_ARGUMENT), and the connection serves on
      flood.request(3, (byte) 0, Echo.SERVICE, "Echo", s("after").toByteArray());
      while (true) {
        Frame f = flood.read();
        WireResponse answer = WireResponse.decode(f.payload());
        if (f.streamId() == 3) {
          assertThat(answer.isOk()).isTrue();
          assertThat(StringValue.parseFrom(answer.payload()).getValue()).isEqualTo("after");
          break;
        }
        assertThat(f.streamId()).isEqualTo(1);
        assertThat(Code.of(answer.status().code())).isEqualTo(Code.INVALID_ARGUMENT);
      }
    }
  }

  @Test
  void clientStreamOverRawFrames() throws Exception {
    raw.request(1, (byte) (Frame.FLAG_REMOTE_OPEN | Frame.FLAG_NO_DATA), Echo.SERVICE, "Join",
        null);
    raw.write(new Frame(1, Frame.TYPE_DATA, (byte) 0, s("x").toByteArray()));
    raw.write(new Frame(1, Frame.TYPE_DATA, (byte) 0, s("y").toByteArray()));
    raw.write(new Frame(1, Frame.TYPE_DATA,
        (byte) (Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA), null));
    WireResponse r = raw.response(1);
    assertThat(r.isOk()).isTrue();
    assertThat(StringValue.parseFrom(r.payload()).getValue()).isEqualTo("xy");
    // the stream is over: more data is refused
    raw.write(new Frame(1, Frame.TYPE_DATA, (byte) 0, s("z").toByteArray()));
    assertStatus(raw.response(1), Code.INVALID_ARGUMENT, "not open");
  }
}
