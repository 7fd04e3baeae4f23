package dev.shim4j.ttrpc;

import static dev.shim4j.ttrpc.Echo.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.FrameReader;
import dev.shim4j.ttrpc.wire.WireRequest;
import dev.shim4j.ttrpc.wire.WireResponse;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class StreamingTest {
  static final MethodDescriptor<StringValue, StringValue> FAILING_STREAM =
      Echo.SERVER_STREAM.withService("test.Broken");

  @TempDir Path dir;
  private Server server;
  private Client client;

  @BeforeEach
  void start() throws Exception {
    ServiceDefinition broken = ServiceDefinition.builder("test.Broken")
        .serverStreaming(FAILING_STREAM, (ctx, req, out) -> {
          out.send(s("first"));
          throw TtrpcException.notFound("gone after one");
        })
        .build();
    server = Server.builder().register(Echo.service()).register(broken).build()
        .bind(dir.resolve("st.sock"));
    client = Client.connect(dir.resolve("st.sock"));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static List<String> drain(StreamReceiver<StringValue> in) throws InterruptedException {
    List<String> got = new ArrayList<>();
    for (Optional<StringValue> m = in.receive(); m.isPresent(); m = in.receive()) {
      got.add(m.get().getValue());
    }
    return got;
  }

  @Test
  void serverStreaming() throws Exception {
    StreamReceiver<StringValue> in = client.serverStream(Echo.SERVER_STREAM, s("a,b,c"), null);
    assertThat(drain(in)).containsExactly("a", "b", "c");
    assertThat(in.receive()).as("stays ended").isEmpty();
  }

  @Test
  void serverStreamingWithEmptyRequestStillRuns() throws Exception {
    assertThat(drain(client.serverStream(Echo.SERVER_STREAM, s(""), null))).containsExactly("");
  }

  @Test
  void clientStreaming() throws Exception {
    ClientStreamCall<StringValue, StringValue> call =
        client.clientStream(Echo.CLIENT_STREAM, CallOptions.DEFAULT);
    call.send(s("x"));
    call.send(s("y"));
    call.send(s("z"));
    call.closeSend();
    assertThat(call.response().getValue()).isEqualTo("xyz");
  }

  @Test
  void clientStreamingWithNoMessagesAnswersAnEmptyMessage() throws Exception {
    ClientStreamCall<StringValue, StringValue> call =
        client.clientStream(Echo.CLIENT_STREAM, CallOptions.DEFAULT);
    call.closeSend();
    assertThat(call.response().getValue()).isEmpty();
  }

  @Test
  void bidiStreamingInterleaves() throws Exception {
    BidiStreamCall<StringValue, StringValue> call = client.bidiStream(Echo.BIDI, null);
    call.send(s("one"));
    assertThat(call.receive()).contains(s("ONE"));
    call.send(s("two"));
    assertThat(call.receive()).contains(s("TWO"));
    call.closeSend();
    assertThat(call.receive()).isEmpty();
  }

  @Test
  void errorMidStreamArrivesAfterTheMessagesSent() throws Exception {
    StreamReceiver<StringValue> in = client.serverStream(FAILING_STREAM, s("x"), null);
    assertThat(in.receive()).contains(s("first"));
    assertThatThrownBy(in::receive).isInstanceOfSatisfying(TtrpcException.class, e -> {
      assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
      assertThat(e.getMessage()).isEqualTo("gone after one");
    });
  }

  @Test
  void streamsAndUnaryCallsShareTheConnection() throws Exception {
    BidiStreamCall<StringValue, StringValue> bidi = client.bidiStream(Echo.BIDI, null);
    StreamReceiver<StringValue> split = client.serverStream(Echo.SERVER_STREAM, s("p,q"), null);
    bidi.send(s("b"));
    assertThat(client.call(Echo.UNARY, s("u")).getValue()).isEqualTo("u");
    assertThat(drain(split)).containsExactly("p", "q");
    assertThat(bidi.receive()).contains(s("B"));
    bidi.closeSend();
    assertThat(bidi.receive()).isEmpty();
  }

  @Test
  void streamReceiveHonoursTheTimeout() throws Exception {
    BidiStreamCall<StringValue, StringValue> call =
        client.bidiStream(Echo.BIDI, CallOptions.timeout(Duration.ofMillis(300)));
    assertThatThrownBy(call::receive).isInstanceOfSatisfying(TtrpcException.class,
        e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
  }

  @Test
  void droppedConnectionFailsOpenStreams() throws Exception {
    BidiStreamCall<StringValue, StringValue> call = client.bidiStream(Echo.BIDI, null);
    call.send(s("a"));
    assertThat(call.receive()).contains(s("A"));
    server.close();
    assertThatThrownBy(call::receive).isInstanceOfSatisfying(TtrpcException.class,
        e -> assertThat(e.code()).isEqualTo(Code.UNAVAILABLE));
  }

  /** The client side of the wire, checked against a hand-driven server. */
  @Test
  void clientSendsTheProtocolFlags() throws Exception {
    Path socket = dir.resolve("fake.sock");
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<List<Frame>> seen = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel ch = listener.accept()) {
          FrameReader reader = new FrameReader(ch, Frame.MAX_PAYLOAD);
          List<Frame> frames = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            frames.add(reader.read());
          }
          // answer the client stream so the caller returns
          ch.write(java.nio.ByteBuffer.wrap(new Frame(3, Frame.TYPE_RESPONSE, (byte) 0,
              WireResponse.ok(s("done").toByteArray()).encode()).toBytes()));
          Thread.sleep(200);
          return frames;
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      try (Client c = Client.connect(socket)) {
        c.serverStream(Echo.SERVER_STREAM, s("r"), null);
        ClientStreamCall<StringValue, StringValue> cs = c.clientStream(Echo.CLIENT_STREAM, null);
        cs.send(s("m"));
        cs.closeSend();
        c.bidiStream(Echo.BIDI, CallOptions.timeout(Duration.ofSeconds(7)));
        assertThat(cs.response().getValue()).isEqualTo("done");
      }
      List<Frame> frames = seen.get(5, TimeUnit.SECONDS);

      Frame serverStream = frames.get(0);
      assertThat(serverStream.streamId()).isEqualTo(1);
      assertThat(serverStream.type()).isEqualTo(Frame.TYPE_REQUEST);
      assertThat(serverStream.flags()).isEqualTo(Frame.FLAG_REMOTE_CLOSED);
      WireRequest r1 = WireRequest.decode(serverStream.payload());
      assertThat(r1.method()).isEqualTo("Split");
      assertThat(StringValue.parseFrom(r1.payload()).getValue()).isEqualTo("r");

      Frame clientStream = frames.get(1);
      assertThat(clientStream.streamId()).isEqualTo(3);
      assertThat(clientStream.flags()).isEqualTo((byte) 0x06);
      assertThat(WireRequest.decode(clientStream.payload()).payload()).isEmpty();

      assertThat(frames.get(2).type()).isEqualTo(Frame.TYPE_DATA);
      assertThat(frames.get(2).flags()).isZero();
      assertThat(frames.get(2).streamId()).isEqualTo(3);
      assertThat(frames.get(3).type()).isEqualTo(Frame.TYPE_DATA);
      assertThat(frames.get(3).flags()).isEqualTo((byte) 0x05);
      assertThat(frames.get(3).payload()).isEmpty();

      Frame bidi = frames.get(4);
      assertThat(bidi.streamId()).isEqualTo(5);
      assertThat(bidi.flags()).isEqualTo((byte) 0x06);
      long timeout = WireRequest.decode(bidi.payload()).timeoutNano();
      assertThat(timeout).isPositive().isLessThanOrEqualTo(7_000_000_000L)
          .isGreaterThan(5_000_000_000L);
    }
  }
}
