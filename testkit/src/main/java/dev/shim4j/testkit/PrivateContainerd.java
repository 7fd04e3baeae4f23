package dev.shim4j.testkit;

// ProcessBuilder, not the reaper: the testkit runs in the test JVM (containerd, ctr, runc), never in a shim process.

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real containerd (the host's {@code containerd} binary) of the test's own: its own root, state,
 * config and sockets in a short temp dir, and a namespace no other instance uses, so parallel
 * instances and the host's own containerd never see each other's containers. Plugins the tests do
 * not need (exotic snapshotters, tracing, /opt, and CRI unless {@link #startWithCri} asks for it)
 * are disabled so it starts in well under a second and leaves nothing outside its dir.
 *
 * <pre>{@code
 * try (var cd = PrivateContainerd.start()) {
 *     String image = cd.busyboxImage();
 *     CtrResult r = cd.ctrOk("run", "--rm", "--runtime", "io.containerd.runc.v2", image, "c1", "/bin/echo", "hi");
 * }
 * }</pre>
 */
public final class PrivateContainerd implements AutoCloseable {

    public static final Duration DEFAULT_CTR_TIMEOUT = Duration.ofSeconds(60);
    /** How long ctr's stdin stays open after the bytes given are written; see {@link #ctr(Duration, byte[], String...)}. */
    public static final Duration STDIN_EOF_DELAY = Duration.ofMillis(1500);
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** Where runc shims keep runc state by default ({@code /run/containerd/runc/<namespace>}). */
    private static final Path RUNC_ROOT = Path.of("/run/containerd/runc");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    /** Instances not closed yet: a JVM that ends early (test timeout, Ctrl-C) still cleans them up. */
    private static final java.util.Set<PrivateContainerd> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (PrivateContainerd cd : OPEN) {
                try {
                    cd.close();
                } catch (RuntimeException ignored) {
                    // Best effort while the JVM goes down.
                }
            }
        }, "private-containerd-cleanup"));
    }

    private final Path dir;
    private final Path root;
    private final Path state;
    private final Path address;
    private final Path ttrpcAddress;
    private final Path config;
    private final Path logFile;
    private final String namespace;
    private final ContainerdRelease release;
    /** CRI's runtime handlers; empty: CRI is off. */
    private final List<CriHandler> criHandlers;
    /** Every namespace ctr was run in (see {@link #ctrIn}): close() cleans each. */
    private final java.util.Set<String> namespaces = new java.util.concurrent.ConcurrentSkipListSet<>();
    private final java.util.Set<String> imagesImported = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** Added to containerd's environment, and so to every shim's it starts. */
    private final Map<String, String> environment;
    private final List<Process> ctrProcesses = new CopyOnWriteArrayList<>();
    private Process containerd;
    private dev.shim4j.cri.CriClient cri;
    /** The pod network of CRI ({@link CniNetwork}); null while CRI is off. */
    private CniNetwork network;
    private boolean closed;

    private PrivateContainerd(Path dir, ContainerdRelease release, List<CriHandler> criHandlers,
            Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        this.dir = dir;
        this.release = release;
        this.criHandlers = List.copyOf(criHandlers);
        this.root = dir.resolve("root");
        this.state = dir.resolve("state");
        // Short names: sockets must fit sun_path (108 bytes), shims' sockets are derived elsewhere.
        this.address = dir.resolve("c.sock");
        this.ttrpcAddress = dir.resolve("c.sock.ttrpc");
        this.config = dir.resolve("config.toml");
        this.logFile = dir.resolve("containerd.log");
        this.namespace = "s4j-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        this.namespaces.add(namespace);
    }

    /**
     * Starts a fresh containerd of the release this test run selected
     * ({@link ContainerdRelease#selected()}) and waits until it answers {@code ctr version}.
     */
    public static PrivateContainerd start() {
        return start(ContainerdRelease.selected());
    }

    /** Starts a fresh containerd of {@code release} and waits until it answers {@code ctr version}. */
    public static PrivateContainerd start(ContainerdRelease release) {
        return start(release, List.of(), Map.of());
    }

    /**
     * Like {@link #start()}, with {@code environment} added to containerd's own: containerd hands
     * its environment to every shim it runs, so this is how a test sets what a service manager
     * would set for containerd (e.g. a shim's knobs). Several instances may run at once.
     */
    public static PrivateContainerd start(Map<String, String> environment) {
        return start(ContainerdRelease.selected(), List.of(), environment);
    }

    /**
     * Starts a fresh containerd of {@code release} with CRI on (see {@link CriConfigToml}) and
     * the runtime handlers {@code handlers}, imports the sandbox image and the busybox image into
     * CRI's namespace, and waits until CRI answers. Talk to it with {@link #cri()}; the caller
     * needs module {@code cri} on its test classpath.
     */
    public static PrivateContainerd startWithCri(ContainerdRelease release, List<CriHandler> handlers) {
        if (handlers.isEmpty()) {
            throw new IllegalArgumentException("CRI needs at least one runtime handler");
        }
        return start(release, handlers, Map.of());
    }

    private static PrivateContainerd start(ContainerdRelease release, List<CriHandler> criHandlers,
            Map<String, String> environment) {
        Path dir;
        try {
            // /tmp explicitly, not java.io.tmpdir: socket paths must stay short.
            dir = Files.createTempDirectory(Path.of("/tmp"), "s4j-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var cd = new PrivateContainerd(dir, release, criHandlers, environment);
        OPEN.add(cd);
        try {
            cd.writeConfig();
            cd.launch();
            if (!criHandlers.isEmpty()) {
                cd.prepareCri();
            }
            return cd;
        } catch (RuntimeException | Error e) {
            try {
                cd.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public Path dir() { return dir; }
    /** The containerd release this instance runs. */
    public ContainerdRelease release() { return release; }
    public Path root() { return root; }
    public Path state() { return state; }
    /** containerd's gRPC socket (what shims get as {@code -address}). */
    public Path address() { return address; }
    /** containerd's ttrpc socket (what shims get as {@code TTRPC_ADDRESS}; events go there). */
    public Path ttrpcAddress() { return ttrpcAddress; }
    public String namespace() { return namespace; }
    public Path logFile() { return logFile; }

    /** The bundle containerd makes for container {@code id} of this instance's namespace. */
    public Path bundle(String id) {
        return state.resolve("io.containerd.runtime.v2.task").resolve(namespace).resolve(id);
    }
    public Path configFile() { return config; }
    /** The containerd process, e.g. to look at its children. */
    public synchronized ProcessHandle process() { return containerd.toHandle(); }

    /** containerd's log so far (its stderr and stdout, debug level), for assertion messages. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Runs {@code ctr --address A --namespace NS args...} with the default deadline. */
    public CtrResult ctr(String... args) {
        return ctr(DEFAULT_CTR_TIMEOUT, new byte[0], args);
    }

    /**
     * Like {@link #ctr(String...)} with its own deadline and bytes for ctr's stdin. stdin is closed
     * when ctr exits or after {@link #STDIN_EOF_DELAY}: ctr 1.6 {@code run} forwards stdin's EOF
     * to the task (CloseIO) only if the EOF comes after the task exists; an earlier EOF is lost
     * and a container reading stdin would never end.
     */
    public CtrResult ctr(Duration timeout, byte[] stdin, String... args) {
        return Commands.run(ctrCommand(args), Map.of(), stdin, stdin.length == 0 ? Duration.ZERO : STDIN_EOF_DELAY, timeout);
    }

    /**
     * Runs {@code ctr --address A --namespace NAMESPACE args...}: ctr in a namespace other than
     * this instance's own (e.g. one that another containerd uses as well). {@link #close()} cleans
     * that namespace as it cleans its own; it must be one no other test uses.
     */
    public CtrResult ctrIn(String namespace, Duration timeout, String... args) {
        namespaces.add(namespace);
        return Commands.run(ctrCommand(namespace, args), Map.of(), new byte[0], timeout);
    }

    /** Runs ctr and fails with its output unless it exits 0. */
    public CtrResult ctrOk(String... args) {
        CtrResult r = ctr(args);
        if (!r.ok()) {
            throw new AssertionError(r + "\n--- containerd log tail ---\n" + logTail(40));
        }
        return r;
    }

    /**
     * Starts a long-running ctr (e.g. {@code events}, a detached {@code run}) and hands it over;
     * {@link #close()} destroys it if the caller has not.
     */
    public Process startCtr(String... args) {
        try {
            Process p = new ProcessBuilder(ctrCommand(args)).start();
            ctrProcesses.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start ctr", e);
        }
    }

    public List<String> ctrCommand(String... args) {
        return ctrCommand(namespace, args);
    }

    private List<String> ctrCommand(String ns, String... args) {
        var cmd = new ArrayList<String>(List.of(release.ctr().toString(), "--address", address.toString(), "--namespace", ns));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The containerd namespace CRI keeps its pods and images in. */
    public static final String CRI_NAMESPACE = "k8s.io";

    /** Whether CRI is on ({@link #startWithCri}). */
    public boolean criEnabled() { return !criHandlers.isEmpty(); }

    /** A client of this containerd's CRI service, closed with it. */
    public synchronized dev.shim4j.cri.CriClient cri() {
        if (!criEnabled()) {
            throw new IllegalStateException("CRI is off: start with PrivateContainerd.startWithCri");
        }
        if (cri == null) {
            cri = dev.shim4j.cri.CriClient.connect(address);
        }
        return cri;
    }

    /** The busybox image's ref in CRI's namespace (imported at start). */
    public String criImage() {
        return BusyboxImage.REF;
    }

    /**
     * A pod on the node's network named {@code name} (unique within the test): its logs in this
     * instance's dir ({@link #podLogDir}), its cgroups under this instance's namespace (removed
     * by {@link #close()}).
     */
    public dev.shim4j.cri.v1.PodSandboxConfig hostNetworkPod(String name) {
        return dev.shim4j.cri.CriConfigs.hostNetworkPod(name, podLogDir(name), "/" + namespace + "/" + name);
    }

    /**
     * A pod named {@code name} with a network namespace of its own on this instance's bridge
     * ({@link #network()}), hostname {@code name}; logs and cgroups as for {@link #hostNetworkPod}.
     */
    public dev.shim4j.cri.v1.PodSandboxConfig networkPod(String name) {
        return dev.shim4j.cri.CriConfigs.networkPod(name, podLogDir(name), "/" + namespace + "/" + name);
    }

    /** The pod network of CRI: its bridge and subnet. */
    public CniNetwork network() {
        if (!criEnabled()) {
            throw new IllegalStateException("CRI is off: start with PrivateContainerd.startWithCri");
        }
        return network;
    }

    /** Where the pod {@code name} of {@link #hostNetworkPod} has its containers' logs. */
    public Path podLogDir(String name) {
        return dir.resolve("pods").resolve(name);
    }

    /** Runs ctr in CRI's namespace and fails with its output unless it exits 0. */
    public CtrResult ctrCriOk(String... args) {
        CtrResult r = Commands.run(ctrCommand(CRI_NAMESPACE, args), Map.of(), new byte[0], DEFAULT_CTR_TIMEOUT);
        if (!r.ok()) {
            throw new AssertionError(r + "\n--- containerd log tail ---\n" + logTail(40));
        }
        return r;
    }

    /** The busybox image (see {@link BusyboxImage}), imported into this containerd once; its ref. */
    public String busyboxImage() {
        return busyboxImageIn(namespace);
    }

    /** The busybox image, imported into {@code namespace} of this containerd once; its ref. */
    public synchronized String busyboxImageIn(String namespace) {
        if (!imagesImported.contains(namespace)) {
            CtrResult r = ctrIn(namespace, DEFAULT_CTR_TIMEOUT, "images", "import", BusyboxImage.tarball().toString());
            if (!r.ok()) {
                throw new AssertionError(r + "\n--- containerd log tail ---\n" + logTail(40));
            }
            imagesImported.add(namespace);
        }
        return BusyboxImage.REF;
    }

    /**
     * Stops containerd (SIGTERM, as a service manager would) and starts it again on the same
     * dirs, config and sockets. Shims and containers keep running meanwhile. With CRI on, it
     * returns once CRI answers again, and {@link #cri()} hands out a fresh client (the old one's
     * connection went down with containerd).
     */
    public synchronized void restart() {
        stopContainerd();
        launch();
        if (criEnabled()) {
            if (cri != null) {
                cri.close();
                cri = null;
            }
            awaitCriReady();
        }
    }

    /**
     * Stops containerd as a service manager would (SIGTERM, SIGKILL after a grace period) and
     * leaves it stopped: its shims, containers and dirs stay until {@link #close()}.
     */
    public synchronized void stop() {
        stopContainerd();
    }

    /** Kills containerd outright (SIGKILL), as a crash would, and waits for it to be gone. */
    public synchronized void kill() {
        if (containerd == null || !containerd.isAlive()) {
            return;
        }
        containerd.destroyForcibly();
        try {
            containerd.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Best effort, in order: kill and delete every task and container of the namespace, stop
     * containerd, kill shims it left behind, unmount what is left under the dir, remove runc's
     * state and the cgroups of the namespace, remove the dir. Throws only if something stays.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        OPEN.remove(this);
        if (cri != null) {
            cri.close();
        }
        for (Process p : ctrProcesses) {
            p.destroyForcibly();
        }
        for (Process p : ctrProcesses) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (containerd != null && containerd.isAlive()) {
            namespaces.forEach(this::removeAllContainers);
            if (criEnabled()) {
                removeAllContainers(CRI_NAMESPACE);
            }
        }
        stopContainerd();
        killLeftoverShims();
        namespaces.forEach(ns -> deleteRuncContainers(RUNC_ROOT.resolve(ns)));
        if (criEnabled()) {
            // CRI's handlers keep runc state in this dir: one runc root per namespace under it.
            try (Stream<Path> roots = Files.list(CriConfigToml.runcRoot(dir))) {
                roots.filter(Files::isDirectory).forEach(PrivateContainerd::deleteRuncContainers);
            } catch (IOException ignored) {
                // No pod ever ran.
            }
        }
        unmountUnder(dir);
        if (network != null) {
            // After the unmounts: a pod's netns (mounted under the state dir) holds its veth.
            network.remove();
        }
        for (String ns : namespaces) {
            removeTree(RUNC_ROOT.resolve(ns));
            removeNamespaceCgroups(ns);
        }
        removeTree(dir);
        if (Files.exists(dir)) {
            throw new IllegalStateException("could not remove " + dir);
        }
    }

    // ----- start and stop -----

    /** Plugins a private instance does not need: CRI, exotic snapshotters, /opt, tracing. */
    private static final List<String> PLUGINS_OFF = List.of(
            "io.containerd.grpc.v1.cri",
            "io.containerd.snapshotter.v1.aufs",
            "io.containerd.snapshotter.v1.btrfs",
            "io.containerd.snapshotter.v1.zfs",
            "io.containerd.snapshotter.v1.devmapper",
            "io.containerd.internal.v1.opt",
            "io.containerd.tracing.processor.v1.otlp",
            "io.containerd.internal.v1.tracing");
    /**
     * And those 2.x adds: CRI's parts (2.x splits it up), and NRI, whose socket
     * (/var/run/nri/nri.sock) every instance on the machine would share.
     */
    private static final List<String> PLUGINS_OFF_2 = List.of(
            "io.containerd.cri.v1.images",
            "io.containerd.cri.v1.runtime",
            "io.containerd.podsandbox.controller.v1.podsandbox",
            "io.containerd.nri.v1.nri");

    /** CRI's plugins in 1.x and 2.x, left on by {@link #startWithCri}. */
    private static final List<String> CRI_PLUGINS = List.of(
            "io.containerd.grpc.v1.cri",
            "io.containerd.cri.v1.images",
            "io.containerd.cri.v1.runtime",
            "io.containerd.podsandbox.controller.v1.podsandbox");

    private String disabledPlugins() {
        var off = new ArrayList<>(PLUGINS_OFF);
        if (release.atLeast2()) {
            off.addAll(PLUGINS_OFF_2);
        }
        if (criEnabled()) {
            off.removeAll(CRI_PLUGINS);
        }
        return String.join(", ", off.stream().map(p -> '"' + p + '"').toList());
    }

    private void writeConfig() {
        if (criEnabled()) {
            network = CniNetwork.create(dir);
        }
        String toml = """
                # Written by the shim4j testkit for one private containerd.
                version = %6$d
                root = "%1$s"
                state = "%2$s"
                disabled_plugins = [%5$s]

                [grpc]
                  address = "%3$s"

                [ttrpc]
                  address = "%4$s"

                [debug]
                  level = "debug"

                [plugins."io.containerd.gc.v1.scheduler"]
                  startup_delay = "100ms"
                """.formatted(root, state, address, ttrpcAddress, disabledPlugins(), release.atLeast2() ? 3 : 2)
                + (criEnabled() ? CriConfigToml.sections(release, dir, criHandlers, network) : "");
        try {
            Files.writeString(config, toml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void launch() {
        try {
            var builder = new ProcessBuilder(release.containerd().toString(), "--config", config.toString());
            builder.environment().putAll(environment);
            // Its own shims (containerd-shim-runc-v2) first: containerd looks shims up on PATH.
            builder.environment().merge("PATH", release.binDir().toString(), (path, bin) -> bin + ":" + path);
            // And CRI handlers' own shims before those.
            for (CriHandler h : criHandlers) {
                h.binary().ifPresent(b -> builder.environment().merge("PATH", b.getParent().toString(), (path, dir) -> dir + ":" + path));
            }
            containerd = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start containerd (is the containerd package installed?)", e);
        }
        Instant deadline = Instant.now().plus(START_DEADLINE);
        while (true) {
            if (!containerd.isAlive()) {
                throw new IllegalStateException("containerd exited with " + containerd.exitValue()
                        + " during start\n--- log tail ---\n" + logTail(40));
            }
            if (Files.exists(address) && Files.exists(ttrpcAddress)
                    && ctr(Duration.ofSeconds(5), new byte[0], "version").ok()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("containerd did not answer within " + START_DEADLINE
                        + "\n--- log tail ---\n" + logTail(40));
            }
            sleep(Duration.ofMillis(50));
        }
    }

    private synchronized void stopContainerd() {
        if (containerd == null || !containerd.isAlive()) {
            return;
        }
        containerd.destroy(); // SIGTERM
        try {
            if (!containerd.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                containerd.destroyForcibly();
                containerd.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            containerd.destroyForcibly();
        }
    }

    // ----- cleanup -----

    /**
     * CRI's images in its namespace: the sandbox image first (CRI never pulls it then) and the
     * busybox image for containers. Then waits for CRI's RuntimeReady: CRI loads after the
     * other plugins and its socket service may lag containerd's own answer.
     */
    private void prepareCri() {
        ctrCriOk("images", "import", BusyboxImage.pauseTarball().toString());
        ctrCriOk("images", "import", BusyboxImage.tarball().toString());
        awaitCriReady();
    }

    private void awaitCriReady() {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                var conditions = cri().status(false).getStatus().getConditionsList();
                if (conditions.stream().anyMatch(c -> c.getType().equals("RuntimeReady") && c.getStatus())) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            sleep(Duration.ofMillis(100));
        }
        throw new IllegalStateException("CRI not ready within " + START_DEADLINE + "\n--- log tail ---\n" + logTail(40), last);
    }

    private void removeAllContainers(String ns) {
        Duration t = Duration.ofSeconds(20);
        List<String> tasks = ctrCleaning(ns, t, "tasks", "ls", "-q").lines();
        for (String id : tasks) {
            ctrCleaning(ns, t, "tasks", "kill", "--all", "--signal", "SIGKILL", id);
        }
        for (String id : tasks) {
            // Waits for the exit so delete does not race it; a stuck task costs one deadline.
            ctrCleaning(ns, t, "tasks", "delete", "--force", id);
        }
        for (String id : ctrCleaning(ns, t, "containers", "ls", "-q").lines()) {
            ctrCleaning(ns, t, "containers", "delete", id);
        }
    }

    /**
     * Containers runc still knows in {@code runcRoot} once containerd and its shims are gone (a
     * containerd killed mid-start leaves those its shims had created, a killed shim whose
     * {@code delete} did not finish leaves its pod's): killed and deleted.
     */
    private static void deleteRuncContainers(Path runcRoot) {
        if (!Files.isDirectory(runcRoot)) {
            return;
        }
        Duration t = Duration.ofSeconds(20);
        CtrResult list = Commands.run(List.of("runc", "--root", runcRoot.toString(), "list", "-q"), Map.of(), new byte[0], t);
        for (String id : list.lines()) {
            Commands.run(List.of("runc", "--root", runcRoot.toString(), "delete", "--force", id), Map.of(), new byte[0], t);
        }
    }

    /** ctr in {@code ns} for the clean-up: unlike {@link #ctrIn}, it does not record the namespace. */
    private CtrResult ctrCleaning(String ns, Duration timeout, String... args) {
        return Commands.run(ctrCommand(ns, args), Map.of(), new byte[0], timeout);
    }

    /**
     * Shims this containerd started but which outlived it (they run in their own session, so
     * they are not its children any more). They are recognised by our socket in their arguments.
     */
    private void killLeftoverShims() {
        String marker = address.toString();
        List<ProcessHandle> shims = ProcessHandle.allProcesses()
                .filter(p -> Procs.hasArgument(p, marker))
                .toList();
        shims.forEach(ProcessHandle::destroyForcibly);
        Instant deadline = Instant.now().plusSeconds(5);
        while (shims.stream().anyMatch(Procs::isRunning) && Instant.now().isBefore(deadline)) {
            sleep(Duration.ofMillis(20));
        }
    }

    private static void unmountUnder(Path dir) {
        List<Path> mounts;
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            mounts = lines.map(l -> l.split(" ")[4])
                    .map(PrivateContainerd::unescapeMountPath)
                    .map(Path::of)
                    .filter(p -> p.startsWith(dir))
                    .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .toList();
        } catch (IOException e) {
            return;
        }
        for (Path m : mounts) {
            var r = Commands.run(List.of("umount", m.toString()), Map.of(), new byte[0], Duration.ofSeconds(10));
            if (!r.ok()) {
                Commands.run(List.of("umount", "-l", m.toString()), Map.of(), new byte[0], Duration.ofSeconds(10));
            }
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescapeMountPath(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** ctr puts each container's cgroup at /NS/ID: empty dirs once the tasks are gone. */
    private static void removeNamespaceCgroups(String namespace) {
        if (!Files.isDirectory(CGROUP_ROOT)) {
            return;
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(CGROUP_ROOT.resolve(namespace)); // cgroup v2 unified at the root
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            hierarchies.forEach(h -> candidates.add(h.resolve(namespace)));
        } catch (IOException ignored) {
            // No cgroupfs we can read: nothing to clean.
        }
        for (Path ns : candidates) {
            if (!Files.isDirectory(ns)) {
                continue;
            }
            // cgroup dirs are removed with rmdir (their control files cannot be deleted), deepest first.
            try (Stream<Path> walk = Files.walk(ns)) {
                walk.filter(Files::isDirectory)
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                        .forEach(d -> Commands.run(List.of("rmdir", d.toString()), Map.of(), new byte[0], Duration.ofSeconds(5)));
            } catch (IOException | UncheckedIOException ignored) {
                // Busy cgroup: a process survived; the leak check of the test will say so.
            }
        }
    }

    /** Deletes a tree without following symlinks (a rootfs may link anywhere). */
    private static void removeTree(Path top) {
        if (!Files.exists(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException ignored) {
                    // Gone already.
                } catch (IOException e) {
                    // Keep going; close() reports if the top could not be removed.
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // Reported by the caller's existence check.
        }
    }

    /** The last {@code lines} lines of containerd's log, for assertion messages. */
    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
