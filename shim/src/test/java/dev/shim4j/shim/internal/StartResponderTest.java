package dev.shim4j.shim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartResponderTest {
  @TempDir Path tmp;

  private static final StartWire.Request START = new StartWire.Request(
      List.of("-id", "c", "start"), Path.of("/"), Map.of(), new byte[0]);

  /**
   * Tens of launchers at once at one spare: the one that wins the spare's flag is taken and
   * answered, every other is declined at once; a peer that sends garbage or nothing is dropped
   * without disturbing the rest.
   */
  @Test
  void tensOfConnectionsAtOnceOneTakenTheOthersDeclined() throws Exception {
    Path socket = tmp.resolve("spare.1");
    StartResponder responder = StartResponder.bind(socket);
    AtomicBoolean busy = new AtomicBoolean();
    Thread.ofVirtual().start(() -> responder.serve(exchange -> {
      if (!busy.compareAndSet(false, true)) {
        exchange.decline();
        return;
      }
      exchange.take();
      exchange.reply(0, "answer".getBytes(), new byte[0]);
    }));
    try (SocketChannel garbage = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      garbage.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes()));
      assertThat(readOrReset(garbage)).as("dropped").isEqualTo(-1);

      int launchers = 40;
      List<Future<String>> verdicts = new ArrayList<>();
      try (ExecutorService threads = Executors.newFixedThreadPool(launchers)) {
        for (int i = 0; i < launchers; i++) {
          verdicts.add(threads.submit(() -> ask(socket)));
        }
        List<String> all = new ArrayList<>();
        for (Future<String> verdict : verdicts) {
          all.add(verdict.get());
        }
        assertThat(all.stream().filter(v -> v.startsWith("T"))).containsExactly("T answer");
        assertThat(all.stream().filter(v -> v.equals("D"))).hasSize(launchers - 1);
      }
    } finally {
      responder.close();
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void closingLeavesAnotherProcesssSocketOfTheSameNameAlone() throws Exception {
    Path socket = tmp.resolve("spare.2");
    StartResponder first = StartResponder.bind(socket);
    StartResponder second = StartResponder.bind(socket); // a later process with the same pid
    first.close();
    assertThat(socket).exists();
    second.close();
    assertThat(Files.exists(socket)).isFalse();
  }

  /** The next byte; -1 at end-of-file or when the peer reset the connection (it dropped us). */
  private static int readOrReset(SocketChannel channel) {
    try {
      return Channels.newInputStream(channel).read();
    } catch (IOException e) {
      return -1;
    }
  }

  private static String ask(Path socket) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(StartWire.encode(START)));
      var in = new java.io.DataInputStream(Channels.newInputStream(channel));
      int verdict = in.read();
      if (verdict != 'T') {
        return verdict == 'D' && in.read() == -1 ? "D" : "?" + verdict;
      }
      int status = in.readInt();
      byte[] out = in.readNBytes(in.readInt());
      in.readNBytes(in.readInt());
      return "T" + (status == 0 ? " " : " status " + status + " ") + new String(out);
    }
  }
}
