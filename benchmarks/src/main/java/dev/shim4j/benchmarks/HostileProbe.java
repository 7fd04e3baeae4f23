package dev.shim4j.benchmarks;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import dev.shim4j.ttrpc.Metadata;
import dev.shim4j.ttrpc.wire.Frame;
import dev.shim4j.ttrpc.wire.WireRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code HostileProbe SOCKET SERVER_PID PROBE}: one hostile probe against a bench.Echo server
 * (ours or Go's), then whether it still answers a normal call on a new connection while the
 * probe's connections are still open ({@code serves}) and after it closed them
 * ({@code serves_after}). Prints one line: {@code PROBE name=... opened=N serves=yes|no
 * serves_after=yes|no rss_before_kib=... rss_after_kib=...}. Used by
 * scripts/bench-ttrpc-hostile.
 *
 * <ul>
 *   <li>{@code announce}: 64 connections each announce a 4 MiB frame and send one byte of it.
 *   <li>{@code flood}: one connection writes requests for a service no server has (each earns
 *       an UNIMPLEMENTED answer) for 10 s and never reads; {@code opened} is then the number of
 *       requests the server took.
 *   <li>{@code idle-N}: N connections that send nothing.
 * </ul>
 */
public final class HostileProbe {
  private HostileProbe() {}

  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    long pid = Long.parseLong(args[1]);
    String probe = args[2];
    long before = rssKib(pid);
    List<SocketChannel> held = new ArrayList<>();
    long count;
    try {
      if (probe.equals("announce")) {
        for (int i = 0; i < 64; i++) {
          SocketChannel ch = open(socket);
          held.add(ch);
          ch.write(ByteBuffer.allocate(11).putInt(4 << 20).putInt(1).put((byte) 1).put((byte) 0)
              .put((byte) 0x0a).flip());
        }
        count = held.size();
      } else if (probe.equals("flood")) {
        SocketChannel ch = open(socket);
        held.add(ch);
        count = flood(ch);
      } else if (probe.startsWith("idle-")) {
        int n = Integer.parseInt(probe.substring(5));
        for (int i = 0; i < n; i++) {
          try {
            held.add(open(socket));
          } catch (IOException e) {
            break; // refused or out of descriptors: report how many got through
          }
        }
        count = held.size();
      } else {
        throw new IllegalArgumentException("unknown probe " + probe);
      }
      Thread.sleep(1000);
      boolean serves = serves(socket);
      long after = rssKib(pid);
      for (SocketChannel ch : held) {
        ch.close();
      }
      Thread.sleep(1000);
      boolean servesAfter = serves(socket);
      System.out.printf("PROBE name=%s opened=%d serves=%s serves_after=%s rss_before_kib=%d"
          + " rss_after_kib=%d%n", probe, count, yes(serves), yes(servesAfter), before, after);
    } finally {
      for (SocketChannel ch : held) {
        ch.close();
      }
    }
  }

  private static String yes(boolean b) {
    return b ? "yes" : "no";
  }

  /**
   * Writes requests for an unknown service (stream ids 1, 3, 5, ...) for 10 s without reading;
   * returns how many the server took (all written ones, less what the socket buffers hold).
   */
  private static long flood(SocketChannel ch) throws Exception {
    byte[] body = new WireRequest("no.Such", "Method", new byte[0], 0, Metadata.EMPTY).encode();
    int frameSize = Frame.HEADER_SIZE + body.length;
    int perChunk = 1000;
    ByteBuffer chunk = ByteBuffer.allocate(frameSize * perChunk).flip(); // empty: filled below
    ch.configureBlocking(false);
    long written = 0;
    int streamId = 1;
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      if (!chunk.hasRemaining()) {
        chunk.clear();
        for (int i = 0; i < perChunk; i++, streamId += 2) {
          chunk.putInt(body.length).putInt(streamId).put(Frame.TYPE_REQUEST).put((byte) 0)
              .put(body);
        }
        chunk.flip();
      }
      int n = ch.write(chunk);
      if (n == 0) {
        Thread.sleep(1);
      }
      written += n;
    }
    return written / frameSize;
  }

  private static boolean serves(Path socket) {
    try (Client c = Client.connect(socket)) {
      BytesValue req = BytesValue.of(ByteString.copyFromUtf8("still there?"));
      return c.call(EchoService.ECHO, req, CallOptions.timeout(Duration.ofSeconds(10)))
          .equals(req);
    } catch (Exception e) {
      return false;
    }
  }

  private static SocketChannel open(Path socket) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  private static long rssKib(long pid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
