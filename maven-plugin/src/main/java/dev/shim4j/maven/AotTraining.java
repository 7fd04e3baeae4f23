package dev.shim4j.maven;

// ProcessBuilder, not the reaper: training runs in Maven's JVM at build time; the launchers it starts bring their own reaper.

import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.logging.Log;

/**
 * Trains the launchers' AOT caches (lib/aot/NAME.aot, JEP 483/514) at build time by running
 * them for real, each with the JVM options that record an AOT configuration, then creating the
 * cache from the configuration of the process that lives on: the shim daemon.
 *
 * <p>{@code shim} training: the launcher's {@code start} (through shim4j-start, as containerd
 * runs it), then Connect and Shutdown to the daemon it made. The daemon inherits start's JVM
 * command line, so both record; {@code %p} in the configuration's name keeps them apart (each
 * JVM writes its own when it exits), and the daemon's is kept: it is the process that lives on,
 * and it loads almost every class start does. {@code client} commands are recorded while they
 * send that Connect and Shutdown. A {@code trainingMainClass} plays a whole life instead (see
 * {@link PackageMojo}); where it cannot run or fails, the command gets {@code shim} training.
 *
 * <p>Training starts no spares (they would record too, and outlive the build for a while) and
 * keeps the pool of answering JVMs in its own work directory, not the machine's. Builds training
 * at the same time (parallel modules, several projects) cannot meet: each has its own work
 * directory, hence its own containerd address and pool, and instance ids carry the build's pid,
 * so no start of one is answered by, or finds the daemon of, another.
 */
final class AotTraining implements AutoCloseable {
    private static final String NAMESPACE = "shim4j-aot";
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration DAEMON_EXIT = Duration.ofSeconds(120);
    private static final Duration LIFE = Duration.ofSeconds(600);
    private static final Duration CREATE = Duration.ofSeconds(600);
    private static final Duration CALL = Duration.ofSeconds(60);
    private static final int CANNOT_TRAIN_HERE = 2;

    /** What the training runs on: the distribution and the JVMs that build it. */
    record Setup(Path javaHome, Path bin, Path aotDir, List<String> jvmOptions, String classpath,
            String trainingClasspath, Log log) {}

    private final Setup setup;
    private final Path work;
    private final TrainingBundle bundle;
    private final List<Command> pendingClients = new ArrayList<>();

    private AotTraining(Setup setup, Path work, TrainingBundle bundle) {
        this.setup = setup;
        this.work = work;
        this.bundle = bundle;
    }

    /**
     * A training in a fresh private directory under java.io.tmpdir (socket paths must stay short,
     * under 108 bytes, which a project's target/ may not be).
     */
    static AotTraining open(Setup setup) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("shim4j-aot-");
        return new AotTraining(setup, work, TrainingBundle.create(work.resolve("bundle"), work.resolve("shim.log")));
    }

    /**
     * Trains every command. A command whose training fails keeps its launcher, which runs without
     * a cache; the build says so with a warning.
     */
    void trainAll(List<Command> commands) throws InterruptedException {
        commands.stream().filter(c -> c.training() == Command.Training.CLIENT).forEach(pendingClients::add);
        for (Command command : commands) {
            try {
                switch (command.training()) {
                    case SHIM -> {
                        if (command.trainingMainClass() == null || !trainLife(command)) {
                            trainShim(command);
                        }
                    }
                    case CLIENT, NONE -> { }
                }
            } catch (IOException e) {
                setup.log().warn("no AOT cache for " + command.name() + " (its launcher works without one): "
                        + e.getMessage());
            }
        }
        for (Command client : pendingClients) {
            setup.log().warn("no AOT cache for " + client.name() + ": no shim training it could take part in");
        }
    }

    /** start + Connect + Shutdown; the daemon's recording becomes the cache. */
    private void trainShim(Command command) throws IOException, InterruptedException {
        String name = command.name();
        String id = "aot-train-" + ProcessHandle.current().pid() + "-" + name;
        Path out = work.resolve("start-" + name + ".out");
        Path err = work.resolve("start-" + name + ".err");
        ProcessBuilder start = new ProcessBuilder(setup.bin().resolve(name).toString(), "-namespace", NAMESPACE,
                "-id", id, "-address", work.resolve("containerd.sock").toString(), "-publish-binary", "/bin/false",
                "start").directory(bundle.dir().toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        recording(start, work.resolve(name + "-%p.aotconf"));
        if (BuildProcesses.run(start, START) != 0) {
            throw new IOException(name + " start failed during AOT training: " + BuildProcesses.text(err));
        }
        // A recording JVM may announce its configuration on stdout after the address.
        String answer = BuildProcesses.text(out);
        String address = answer.isEmpty() ? "" : answer.split("\\s+")[0];
        if (!address.startsWith("unix://")) {
            throw new IOException(name + " start printed '" + answer + "', not an address");
        }
        long pid = Daemons.withId(id).orElseThrow(() -> new IOException("no daemon found for " + name));
        Command client = pendingClients.isEmpty() ? null : pendingClients.getFirst();
        Path clientConf = client == null ? null : work.resolve(client.name() + ".aotconf");
        boolean shutdown = false;
        try {
            if (client != null) {
                connectWith(client, address, clientConf);
            } else {
                connectAndShutdown(address);
            }
            shutdown = true;
        } finally {
            if (!shutdown) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        // The daemon writes its configuration on its way out: that takes seconds.
        if (!Daemons.awaitExit(pid, DAEMON_EXIT)) {
            throw new IOException(name + " daemon (pid " + pid + ") did not exit within " + DAEMON_EXIT
                    + " of Shutdown");
        }
        create(name, work.resolve(name + "-pid" + pid + ".aotconf"));
        if (client != null) {
            pendingClients.remove(client);
            create(client.name(), clientConf);
        }
    }

    /** Connect and Shutdown, as containerd sends them, from the build's own JVM. */
    private static void connectAndShutdown(String address) throws IOException {
        try (Client client = Client.connect(address)) {
            var task = new TaskTtrpc.Client(client);
            CallOptions options = CallOptions.DEFAULT.withTimeout(CALL);
            task.connect(ConnectRequest.getDefaultInstance(), options);
            task.shutdown(ShutdownRequest.getDefaultInstance(), options);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("Connect/Shutdown to " + address + " failed: " + e, e);
        }
    }

    /** The client command's launcher sends Connect and Shutdown, recording into {@code conf}. */
    private void connectWith(Command client, String address, Path conf) throws IOException, InterruptedException {
        Path out = work.resolve("client-" + client.name() + ".out");
        ProcessBuilder run = new ProcessBuilder(setup.bin().resolve(client.name()).toString(), address)
                .redirectErrorStream(true).redirectOutput(out.toFile());
        recording(run, conf);
        if (BuildProcesses.run(run, START) != 0) {
            throw new IOException(client.name() + " failed against " + address + ": " + BuildProcesses.text(out));
        }
    }

    /**
     * The command's trainingMainClass plays containerd against its launcher. Returns whether it
     * trained the cache; false where it cannot run here or failed (then the caller trains shim).
     */
    private boolean trainLife(Command command) throws IOException, InterruptedException {
        String name = command.name();
        Path out = work.resolve("life-" + name + ".out");
        Path err = work.resolve("life-" + name + ".log");
        ProcessBuilder life = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", setup.trainingClasspath(), command.trainingMainClass(),
                setup.bin().resolve(name).toString(), work.resolve(name + "-life").toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        noSpares(life);
        setup.log().info(name + ": training with " + command.trainingMainClass());
        int status = BuildProcesses.run(life, LIFE);
        for (String line : BuildProcesses.text(err).split("\n")) {
            setup.log().info("  " + line);
        }
        if (status == CANNOT_TRAIN_HERE) {
            setup.log().info(name + ": " + command.trainingMainClass() + " cannot run here:"
                    + " start + Connect + Shutdown training instead");
            return false;
        }
        List<String> lines = BuildProcesses.text(out).lines().filter(l -> !l.isBlank()).toList();
        if (status != 0 || lines.isEmpty()) {
            setup.log().warn(name + ": " + command.trainingMainClass() + " failed (status " + status
                    + "): start + Connect + Shutdown training instead");
            return false;
        }
        create(name, Path.of(lines.getLast().strip()));
        return true;
    }

    /** lib/aot/NAME.aot from a recorded configuration, with the launcher's own JVM options. */
    private void create(String name, Path conf) throws IOException, InterruptedException {
        if (!Files.isRegularFile(conf) || Files.size(conf) == 0) {
            throw new IOException(name + " recorded no AOT configuration (" + conf + ")");
        }
        Path cache = setup.aotDir().resolve(name + ".aot");
        Path out = work.resolve("create-" + name + ".out");
        var cmd = new ArrayList<String>();
        cmd.add(java());
        cmd.addAll(setup.jvmOptions());
        cmd.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + conf, "-XX:AOTCache=" + cache,
                "-cp", setup.classpath()));
        if (BuildProcesses.run(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()),
                CREATE) != 0) {
            throw new IOException("AOT cache creation failed for " + name + ": " + BuildProcesses.text(out));
        }
        setup.log().info("lib/aot/" + name + ".aot: " + Files.size(cache) + " bytes");
    }

    private String java() {
        return setup.javaHome().resolve("bin/java").toString();
    }

    /** The JVMs the process starts record into {@code conf} (the launchers read SHIM4J_JAVA_OPTS). */
    private void recording(ProcessBuilder process, Path conf) {
        noSpares(process);
        process.environment().put("SHIM4J_JAVA_OPTS", "-XX:AOTMode=record -XX:AOTConfiguration=" + conf);
    }

    private void noSpares(ProcessBuilder process) {
        Map<String, String> env = process.environment();
        env.put("SHIM4J_PREFORK", "0");
        env.put("SHIM4J_PREFORK_DIR", work.resolve("prefork").toString());
    }

    /**
     * Removes the work directory, unless something is mounted under it (a training driver that
     * left a container's rootfs mounted): a recursive delete would go through the mount.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        bundle.close();
        WorkDir.remove(work, setup.log());
    }
}
