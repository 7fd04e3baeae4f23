package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.PackagedShim;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/shim4j-start, the launchers' {@code start} (launcher/src/main/resources/dev/shim4j/launcher/shim4j-start.c), against fake
 * responders speaking its protocol and a fake "JVM" (a shell script) for the cold start: whatever
 * a responder does, containerd gets exactly one answer (the responder's, or the cold start's with
 * stdin intact), and nothing placed by anyone but us is used.
 */
class ShimStartTest {
  private static final Path DIST = PackagedShim.directory();
  private static final String RUNTIME = "fake-runtime";
  /** The cold "JVM": prints the pool it was given and a digest of its stdin. */
  private static final String COLD = "printf 'cold:%s:' \"$1\"; md5sum | cut -d' ' -f1";

  @TempDir Path tmp;
  private Path root;
  private Path pool;
  private final List<Responder> responders = new ArrayList<>();

  @BeforeEach
  void poolDirectory() throws Exception {
    root = Files.createDirectories(tmp.resolve("prefork"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    // the pool the launcher names for this start: the cold "JVM" prints it
    String cold = run(COLD, new byte[0], Map.of()).stdout;
    pool = Path.of(cold.split(":")[1].substring("-Ddev.shim4j.pool=".length()));
    assertThat(pool.getParent()).isEqualTo(root);
    assertThat(pool.getFileName().toString()).matches("[0-9a-f]{16}");
    Files.createDirectory(pool);
    Files.setPosixFilePermissions(pool, PosixFilePermissions.fromString("rwx------"));
  }

  @AfterEach
  void stop() {
    responders.forEach(Responder::close);
  }

  @Test
  void aResponderThatTakesTheStartAnswersItAlone() throws Exception {
    Responder spare = responder("spare.1", Behaviour.ANSWER);
    List<String> before = listing();

    Ran ran = run(COLD, "options".getBytes(), Map.of());

    assertThat(ran.status).isZero();
    assertThat(ran.stdout).isEqualTo("remote answer");
    assertThat(ran.stderr).isEmpty();
    assertThat(spare.requests.getFirst()).contains("-namespace", "ns", "-id", "c1", "start", "stdin=options",
        "cwd=" + tmp);
    assertThat(listing()).as("the launcher writes nothing in the pool").isEqualTo(before);
  }

  @Test
  void aResponderThatDeclinesLeavesTheStartToTheNextThenToTheColdStart() throws Exception {
    Responder declining = responder("spare.1", Behaviour.DECLINE);
    Responder daemon = responder("daemon.2", Behaviour.DECLINE);
    byte[] stdin = "containerd's options".getBytes();

    Ran ran = run(COLD, stdin, Map.of());

    assertColdWith(ran, stdin);
    assertThat(declining.requests).hasSize(1);
    assertThat(daemon.requests).hasSize(1);
  }

  @Test
  void theNextResponderAnswersWhenTheFirstDeclines() throws Exception {
    responder("spare.1", Behaviour.DECLINE);
    responder("daemon.2", Behaviour.ANSWER);

    Ran ran = run(COLD, new byte[0], Map.of());

    assertThat(ran.stdout).isEqualTo("remote answer");
  }

  @Test
  void aResponderThatDiesMidReplyLeavesExactlyTheColdAnswer() throws Exception {
    responder("spare.1", Behaviour.TAKE_THEN_DIE);
    byte[] stdin = "x".repeat(1000).getBytes();

    Ran ran = run(COLD, stdin, Map.of());

    assertColdWith(ran, stdin);
    assertThat(ran.stdout).doesNotContain("remote");
  }

  @Test
  void aResponderThatNeverSaysTakenIsGivenUpOnAfterTheWait() throws Exception {
    Responder silent = responder("spare.1", Behaviour.SILENT);
    byte[] stdin = "abc".getBytes();
    long began = System.nanoTime();

    Ran ran = run(COLD, stdin, Map.of("SHIM4J_PREFORK_WAIT_MS", "300"));

    assertColdWith(ran, stdin);
    assertThat(silent.requests).hasSize(1);
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aResponderThatTakesAndFailsFailsTheStartWithItsReason() throws Exception {
    responder("spare.1", Behaviour.FAIL);

    Ran ran = run(COLD, new byte[0], Map.of());

    assertThat(ran.status).isEqualTo(1);
    assertThat(ran.stdout).isEmpty();
    assertThat(ran.stderr).isEqualTo("remote reason\n");
  }

  @Test
  void stdinOverTheBoundGoesColdWhole() throws Exception {
    Responder spare = responder("spare.1", Behaviour.ANSWER);
    byte[] stdin = new byte[(1 << 20) + 10];
    for (int i = 0; i < stdin.length; i++) {
      stdin[i] = (byte) i;
    }

    Ran ran = run(COLD, stdin, Map.of());

    assertColdWith(ran, stdin);
    assertThat(spare.connections.get()).isZero();
  }

  @Test
  void aGroupWritablePoolOrRootIsNotUsed() throws Exception {
    Responder spare = responder("spare.1", Behaviour.ANSWER);
    Files.setPosixFilePermissions(pool, PosixFilePermissions.fromString("rwxrwx---"));
    assertColdWith(run(COLD, new byte[0], Map.of()), new byte[0]);
    Files.setPosixFilePermissions(pool, PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx-w--w-"));
    assertColdWith(run(COLD, new byte[0], Map.of()), new byte[0]);

    assertThat(spare.connections.get()).isZero();
  }

  @Test
  void aSymlinkedPoolOrRootIsNotFollowed() throws Exception {
    Path planted = Files.createDirectories(tmp.resolve("planted"));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwx------"));
    Files.move(pool, planted.resolve(pool.getFileName()));
    Responder spare = new Responder(planted.resolve(pool.getFileName()).resolve("spare.1"), Behaviour.ANSWER);
    responders.add(spare);
    Files.createSymbolicLink(pool, planted.resolve(pool.getFileName()));
    assertColdWith(run(COLD, new byte[0], Map.of()), new byte[0]);

    Files.delete(pool);
    Files.move(root, tmp.resolve("real-root"));
    Files.createSymbolicLink(root, planted);
    assertColdWith(run(COLD, new byte[0], Map.of()), new byte[0]);

    assertThat(spare.connections.get()).isZero();
  }

  @Test
  void aSocketOfAnotherUserIsNotUsed() throws Exception {
    Responder spare = responder("spare.1", Behaviour.ANSWER);
    Files.setAttribute(pool.resolve("spare.1"), "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);

    assertColdWith(run(COLD, new byte[0], Map.of()), new byte[0]);
    assertThat(spare.connections.get()).isZero();
  }

  /**
   * A responder run by another user (nobody), its socket then moved into our pool and made ours:
   * the launcher sees the peer's credentials and sends it nothing.
   */
  @Test
  void aPeerOfAnotherUserIsSentNothing() throws Exception {
    Path drop = Files.createDirectories(tmp.resolve("nobodys"));
    Files.setPosixFilePermissions(drop, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path received = drop.resolve("received");
    String server = "use IO::Socket::UNIX; my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0],"
        + " Listen => 5) or die $!; print STDOUT \"ready\\n\"; STDOUT->flush; while (my $c = $s->accept) {"
        + " my $n = sysread($c, my $buf, 65536); open(my $f, '>>', $ARGV[1]); print $f ($n // 0), \"\\n\"; close $f;"
        + " syswrite($c, 'T'); close $c }";
    Process nobody = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "perl", "-e", server, drop.resolve("s").toString(), received.toString()).start();
    try {
      assertThat(new String(nobody.getInputStream().readNBytes(6))).isEqualTo("ready\n");
      Files.move(drop.resolve("s"), pool.resolve("spare.1"));
      Files.setAttribute(pool.resolve("spare.1"), "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);

      assertColdWith(run(COLD, new byte[0], Map.of()), new byte[0]);

      Thread.sleep(200); // what it would have written has arrived by now
      List<String> reads = Files.exists(received) ? Files.readAllLines(received) : List.of();
      assertThat(reads).allMatch(line -> line.equals("0"));
    } finally {
      nobody.destroyForcibly();
    }
  }

  @Test
  void theColdStartsWarningsStayOffTheAnswerAndItsReasonIsPassedOnWhenItFails() throws Exception {
    Ran warned = run("echo 'a JVM warning' >&2; printf answer", new byte[0], Map.of());
    assertThat(warned.status).isZero();
    assertThat(warned.stdout).isEqualTo("answer");
    assertThat(warned.stderr).isEmpty();

    // (many times: the pipes reach end-of-file a moment before the exit status can be read)
    for (int i = 0; i < 30; i++) {
      Ran failed = run("printf partial; echo 'the reason' >&2; exit 3", new byte[0], Map.of());
      assertThat(failed.status).isEqualTo(3);
      assertThat(failed.stdout).isEmpty();
      assertThat(failed.stderr).isEqualTo("the reason\n");
    }
  }

  private void assertColdWith(Ran ran, byte[] stdin) throws Exception {
    assertThat(ran.status).as(ran.stderr).isZero();
    assertThat(ran.stdout).isEqualTo("cold:-Ddev.shim4j.pool=" + pool + ":"
        + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(stdin)) + "\n");
    assertThat(ran.stderr).isEmpty();
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> files = Files.list(pool)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  private Responder responder(String name, Behaviour behaviour) throws IOException {
    Responder responder = new Responder(pool.resolve(name), behaviour);
    responders.add(responder);
    return responder;
  }

  record Ran(int status, String stdout, String stderr) {}

  /** shim4j-start with {@code script} as the JVM, in {@code tmp} (the bundle), as containerd runs it. */
  private Ran run(String script, byte[] stdin, Map<String, String> env) throws Exception {
    List<String> command = new ArrayList<>(List.of(DIST.resolve("bin/shim4j-start").toString(), RUNTIME, "4",
        "/bin/sh", "-c", script, "fake-main", "-namespace", "ns", "-id", "c1",
        "-address", tmp.resolve("containerd.sock").toString(), "start"));
    ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
    builder.environment().put("SHIM4J_PREFORK_DIR", tmp.resolve("prefork").toString());
    builder.environment().putAll(env);
    Process process = builder.start();
    Thread writer = Thread.ofVirtual().start(() -> {
      try (var in = process.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // the launcher did not read it all: the assertions say so
      }
    });
    var err = new java.util.concurrent.CompletableFuture<String>();
    Thread.ofVirtual().start(() -> {
      try {
        err.complete(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        err.completeExceptionally(e);
      }
    });
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    writer.join();
    return new Ran(process.exitValue(), out, err.get(60, TimeUnit.SECONDS));
  }

  enum Behaviour { ANSWER, DECLINE, TAKE_THEN_DIE, SILENT, FAIL }

  /** A fake spare or daemon: reads requests (noting args, cwd and stdin) and behaves as told. */
  static final class Responder implements AutoCloseable {
    final List<List<String>> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocketChannel listener;
    private final Behaviour behaviour;

    Responder(Path socket, Behaviour behaviour) throws IOException {
      this.behaviour = behaviour;
      listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      listener.bind(UnixDomainSocketAddress.of(socket));
      Thread.ofVirtual().start(this::serve);
    }

    private void serve() {
      while (true) {
        try {
          SocketChannel channel = listener.accept();
          connections.incrementAndGet();
          Thread.ofVirtual().start(() -> exchange(channel));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void exchange(SocketChannel channel) {
      try (channel) {
        DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(channel));
        requests.add(read(in));
        switch (behaviour) {
          case DECLINE -> out.write('D');
          case SILENT -> Thread.sleep(5000);
          case TAKE_THEN_DIE -> {
            out.write('T');
            out.writeInt(0);
            out.writeInt(100);
            out.write("remote half".getBytes());
          }
          case ANSWER -> reply(out, 0, "remote answer", "");
          case FAIL -> reply(out, 1, "", "remote reason\n");
        }
        out.flush();
      } catch (IOException | InterruptedException e) {
        // the launcher went
      }
    }

    private static void reply(DataOutputStream out, int status, String stdout, String stderr) throws IOException {
      out.write('T');
      out.writeInt(status);
      out.writeInt(stdout.length());
      out.write(stdout.getBytes());
      out.writeInt(stderr.length());
      out.write(stderr.getBytes());
    }

    private static List<String> read(DataInputStream in) throws IOException {
      byte[] magic = in.readNBytes(4);
      assertThat(new String(magic)).isEqualTo("S4J1");
      in.readInt();
      List<String> seen = new ArrayList<>();
      int argc = in.readInt();
      for (int i = 0; i < argc; i++) {
        seen.add(string(in));
      }
      seen.add("cwd=" + string(in));
      int envc = in.readInt();
      for (int i = 0; i < envc; i++) {
        string(in);
      }
      seen.add("stdin=" + string(in));
      return seen;
    }

    private static String string(InputStream in) throws IOException {
      int n = new DataInputStream(in).readInt();
      return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
      try {
        listener.close();
      } catch (IOException e) {
        // closed
      }
    }
  }
}
