package dev.shim4j.shim.internal;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.types.RuntimeInfo;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.shim.bundle.BundleFiles;
import dev.shim4j.shim.reaper.Reaper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** The bootstrap driven in-process: exit statuses and exactly what reaches stdout and stderr. */
class BootstrapTest {
  private static final DeleteResponse DELETED = DeleteResponse.newBuilder()
      .setPid(42).setExitStatus(137).setExitedAt(Timestamp.newBuilder().setSeconds(1700000000)).build();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<DeleteOpts> deletes = new ArrayList<>();
  private final List<ShimContext> contexts = new ArrayList<>();

  private class FakeShim implements Shim {
    FakeShim(ShimContext context) {
      contexts.add(context);
      context.config().noReaper(true);
    }

    @Override
    public DeleteResponse deleteShim(DeleteOpts opts) {
      deletes.add(opts);
      return DELETED;
    }

    @Override
    public void waitForExit() {}

    @Override
    public TaskTtrpc.Service taskService() {
      return new TaskTtrpc.Service() {};
    }
  }

  private int run(String... args) {
    var bootstrap = new Bootstrap("io.containerd.fake.v1", FakeShim::new, Map.of(),
        new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(err, true));
    return bootstrap.run(List.of(args));
  }

  private int runWithStdin(byte[] stdin, String... args) {
    var bootstrap = new Bootstrap("io.containerd.fake.v1", FakeShim::new, Map.of(),
        new ByteArrayInputStream(stdin), new PrintStream(out, true), new PrintStream(err, true));
    return bootstrap.run(List.of(args));
  }

  @Test
  void infoWritesTheRuntimeInfoMessageAndNothingElse() throws Exception {
    Any options = Any.newBuilder().setTypeUrl("example.com/Opts").setValue(ByteString.copyFromUtf8("x")).build();
    assertThat(runWithStdin(options.toByteArray(), "-info")).isEqualTo(0);
    RuntimeInfo info = RuntimeInfo.parseFrom(out.toByteArray());
    assertThat(info.getName()).isEqualTo("io.containerd.fake.v1");
    assertThat(info.getVersion().getVersion()).isNotEmpty();
    assertThat(info.getOptions()).isEqualTo(options);
    assertThat(stderr()).isEmpty();
  }

  @Test
  void infoWithoutOptionsHasNone() throws Exception {
    assertThat(run("-info")).isEqualTo(0);
    RuntimeInfo info = RuntimeInfo.parseFrom(out.toByteArray());
    assertThat(info.hasOptions()).isFalse();
    assertThat(info.getName()).isEqualTo("io.containerd.fake.v1");
  }

  @Test
  void infoWithStdinThatIsNoAnyFailsOnOneLine() {
    assertThat(runWithStdin(new byte[] {(byte) 0xff, 0x01}, "-info")).isEqualTo(1);
    assertThat(out.size()).isZero();
    assertThat(stderr()).contains("info failed").contains("runtime options");
    assertThat(stderr().lines()).hasSize(1);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void badFlagIsOneLineOnStderrAndStatusOne() {
    assertThat(run("-namespace", "ns", "-id", "c", "-nope", "start")).isEqualTo(1);
    assertThat(out.size()).isZero();
    assertThat(stderr()).contains("-nope").endsWith(System.lineSeparator());
    assertThat(stderr().lines()).hasSize(1);
    assertThat(contexts).as("no shim is created for a bad command line").isEmpty();
  }

  @Test
  void missingRequiredValueIsOneLineOnStderr() {
    assertThat(run("-id", "c", "delete")).isEqualTo(1);
    assertThat(out.size()).isZero();
    assertThat(stderr().lines()).singleElement().asString().contains("namespace");
  }

  @Test
  void versionIsPrinted() {
    assertThat(run("-v")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("io.containerd.fake.v1:").contains("Version:");
  }

  @Test
  void deletePrintsExactlyTheMarshalledResponse(@TempDir Path bundle) {
    assertThat(run("-namespace", "ns", "-id", "c1", "-bundle", bundle.toString(), "delete")).isZero();
    assertThat(out.toByteArray()).isEqualTo(DELETED.toByteArray());
    assertThat(deletes).containsExactly(new DeleteOpts("c1", "ns", bundle.toAbsolutePath()));
    assertThat(contexts.getFirst().runtimeId()).isEqualTo("io.containerd.fake.v1");
    assertThat(contexts.getFirst().namespace()).isEqualTo("ns");
  }

  @Test
  void deleteIsIdempotent(@TempDir Path bundle) {
    assertThat(run("-namespace", "ns", "-id", "c1", "-bundle", bundle.toString(), "delete")).isZero();
    assertThat(run("-namespace", "ns", "-id", "c1", "-bundle", bundle.toString(), "delete")).isZero();
    assertThat(deletes).hasSize(2);
    byte[] twice = new byte[DELETED.getSerializedSize() * 2];
    System.arraycopy(DELETED.toByteArray(), 0, twice, 0, DELETED.getSerializedSize());
    System.arraycopy(DELETED.toByteArray(), 0, twice, DELETED.getSerializedSize(), DELETED.getSerializedSize());
    assertThat(out.toByteArray()).isEqualTo(twice);
  }

  @Test
  void deleteRemovesADeadDaemonsSocketButNotALiveOne(@TempDir Path dir) throws Exception {
    Path bundle = Files.createDirectory(dir.resolve("bundle"));
    Path socket = dir.resolve("s");
    BundleFiles.writeAddress(bundle, "unix://" + socket);
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(socket));
      assertThat(run("-namespace", "ns", "-id", "c1", "-bundle", bundle.toString(), "delete")).isZero();
      assertThat(Files.exists(socket)).as("a grouped daemon still serves").isTrue();
    }
    assertThat(Files.exists(socket)).isTrue();
    assertThat(run("-namespace", "ns", "-id", "c1", "-bundle", bundle.toString(), "delete")).isZero();
    assertThat(Files.exists(socket)).as("the stale socket is gone").isFalse();
  }

  @Test
  void failedDeleteIsAnErrorWithNothingOnStdout(@TempDir Path bundle) {
    var bootstrap = new Bootstrap("io.containerd.fake.v1", ctx -> new FakeShim(ctx) {
      @Override
      public DeleteResponse deleteShim(DeleteOpts opts) {
        throw new IllegalStateException("runc delete failed");
      }
    }, Map.of(), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(err, true));
    assertThat(bootstrap.run(List.of("-namespace", "ns", "-id", "c1", "-bundle", bundle.toString(), "delete")))
        .isEqualTo(1);
    assertThat(out.size()).isZero();
    assertThat(stderr()).contains("runc delete failed");
  }

  @Test
  void factoryFailureIsReported() {
    var bootstrap = new Bootstrap("io.containerd.fake.v1", ctx -> {
      throw new IllegalArgumentException("bad config");
    }, Map.of(), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(err, true));
    assertThat(bootstrap.run(List.of("-namespace", "ns", "-id", "c1", "delete"))).isEqualTo(1);
    assertThat(out.size()).isZero();
    assertThat(stderr()).contains("bad config");
  }

  /** What a live daemon runs for another launcher's start (see WarmStarts). */
  private Bootstrap answering(Path socketDir, String id) {
    byte[] params = BootstrapParams.newBuilder()
        .setInstanceId(id).setNamespace("ns").setSocketDir(socketDir.toString()).build().toByteArray();
    return new Bootstrap("io.containerd.fake.v1", FakeShim::new, Map.of(),
        new ByteArrayInputStream(params), new PrintStream(out, true), new PrintStream(err, true));
  }

  @Test
  void aStartWhoseGroupIsServedIsAnsweredWithItsAddress(@TempDir Path dir) throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path socketDir = Files.createDirectories(dir.resolve("s"));
    String address = ShimAddress.of("/run/c.sock", "ns", "c", socketDir);
    try (ServerSocketChannel daemon = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      daemon.bind(UnixDomainSocketAddress.of(ShimAddress.pathOf(address)));

      AtomicBoolean spawned = new AtomicBoolean();
      var answer = answering(socketDir, "c").answerForLauncher(List.of("-namespace", "ns", "-id", "c",
          "-address", "/run/c.sock", "-bundle", bundle.toString(), "start"),
          new Daemon.ForLauncher(Optional.empty(), () -> spawned.set(true)));

      assertThat(answer).contains("{\"version\":3,\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}");
      assertThat(BundleFiles.readAddress(bundle)).contains(address);
      assertThat(spawned).as("no new daemon for a group that has one").isFalse();
    }
    assertThat(out.size() + err.size()).as("nothing printed: the daemon writes the answer").isZero();
  }

  @Test
  void aStartThatNeedsANewDaemonGetsOneSpawnedWithTheGivenCommandLine(@TempDir Path dir) throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path socketDir = dir.resolve("s");
    Reaper.get(); // a daemon's: it becomes the new daemon's parent
    // The "daemon": keeps the listener it gets as stdin and tells its working directory.
    List<String> daemonArgv = List.of("/bin/sh", "-c", "pwd > spawned; exec sleep 30");

    AtomicBoolean spawned = new AtomicBoolean();
    var answer = answering(socketDir, "c").answerForLauncher(List.of("-namespace", "ns", "-id", "c",
        "-address", "/run/c.sock", "-bundle", bundle.toString(), "start"),
        new Daemon.ForLauncher(Optional.of(daemonArgv), () -> spawned.set(true)));

    String address = ShimAddress.of("/run/c.sock", "ns", "c", socketDir);
    try {
      assertThat(answer).contains("{\"version\":3,\"address\":\"" + address + "\",\"protocol\":\"ttrpc\"}");
      assertThat(BundleFiles.readAddress(bundle)).contains(address);
      assertThat(spawned).as("the launcher hears of the new daemon").isTrue();
      assertThat(ShimAddress.isServed(ShimAddress.pathOf(address)))
          .as("the listener lives on in the daemon").isTrue();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!Files.exists(bundle.resolve("spawned")) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(Files.readString(bundle.resolve("spawned")).strip()).isEqualTo(bundle.toString());
    } finally {
      ProcessHandle.current().children()
          .filter(child -> child.info().commandLine().orElse("").contains("sleep 30"))
          .forEach(ProcessHandle::destroyForcibly);
    }
    assertThat(out.size() + err.size()).isZero();
  }

  @Test
  void aStartThatCannotBeDoneHereIsNotAnsweredAndNothingIsMade(@TempDir Path dir) {
    Path socketDir = dir.resolve("s");

    var answer = answering(socketDir, "c").answerForLauncher(List.of("-namespace", "ns", "-id", "c",
        "-address", "/run/c.sock", "-bundle", dir.toString(), "start"),
        new Daemon.ForLauncher(Optional.empty(), () -> { }));

    assertThat(answer).isEmpty();
    assertThat(socketDir).as("no socket directory, no socket").doesNotExist();
    assertThat(dir.resolve("address")).doesNotExist();
    assertThat(out.size() + err.size()).isZero();
  }
}
