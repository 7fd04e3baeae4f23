package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Proves the fixture on the real containerd 1.6 with the Go runc shim. */
class PrivateContainerdTest {

    private static final String GO_SHIM = "io.containerd.runc.v2";

    @Test
    void runsABusyboxContainerWithTheGoShim() {
        long t0 = System.nanoTime();
        try (var cd = PrivateContainerd.start()) {
            long t1 = System.nanoTime();
            String image = cd.busyboxImage();
            long t2 = System.nanoTime();
            CtrResult r = cd.ctrOk("run", "--rm", "--runtime", GO_SHIM, image, "echo1", "/bin/echo", "hello");
            long t3 = System.nanoTime();
            assertThat(r.stdout()).isEqualTo("hello\n");
            System.out.printf("testkit timings: containerd start %d ms, busybox import %d ms, ctr run echo %d ms%n",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
            assertThat(cd.ctrOk("containers", "ls", "-q").lines()).isEmpty();
        }
    }

    @ParameterizedTest(name = "containerd {0}")
    @ValueSource(strings = {"1.6", "1.7", "2.1"})
    void runsEveryReleaseWithItsOwnGoShimAndTheMachinesRunc(String series) {
        try (var cd = PrivateContainerd.start(ContainerdRelease.of(series))) {
            assertThat(cd.release().series()).isEqualTo(series);
            assertThat(cd.ctrOk("version").stdout()).contains("Version:  " + series + ".");
            CtrResult r = cd.ctrOk("run", "--rm", "--runtime", GO_SHIM, cd.busyboxImage(), "rel1", "/bin/echo", "hi " + series);
            assertThat(r.stdout()).isEqualTo("hi " + series + "\n");
        }
    }

    @Test
    void passesExitCodesAndStdinThrough() {
        try (var cd = PrivateContainerd.start()) {
            String image = cd.busyboxImage();
            CtrResult exit = cd.ctr("run", "--rm", "--runtime", GO_SHIM, image, "exit7", "/bin/sh", "-c", "exit 7");
            assertThat(exit.exitCode()).as(exit.toString()).isEqualTo(7);
            CtrResult cat = cd.ctr(Duration.ofSeconds(60), "piped\n".getBytes(),
                    "run", "--rm", "--runtime", GO_SHIM, image, "cat1", "/bin/cat");
            assertThat(cat.exitCode()).as(cat.toString()).isZero();
            assertThat(cat.stdout()).isEqualTo("piped\n");
        }
    }

    @Test
    void importedImageHasTheBusyboxApplets() {
        try (var cd = PrivateContainerd.start()) {
            String image = cd.busyboxImage();
            assertThat(cd.busyboxImage()).isEqualTo(image); // imported once, same ref
            assertThat(cd.ctrOk("images", "ls", "-q").lines()).containsExactly(BusyboxImage.REF);
            CtrResult r = cd.ctrOk("run", "--rm", "--runtime", GO_SHIM, image, "ls1", "/bin/sh", "-c",
                    "id -u; cat /etc/passwd | head -1; ls -d /tmp /proc /sys /dev; echo $PATH");
            assertThat(r.lines()).containsExactly("0", "root:x:0:0:root:/root:/bin/sh",
                    "/dev", "/proc", "/sys", "/tmp", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
    }

    @Test
    void restartKeepsImagesAndRunningContainers() throws Exception {
        try (var cd = PrivateContainerd.start()) {
            String image = cd.busyboxImage();
            cd.ctrOk("run", "-d", "--runtime", GO_SHIM, image, "sleeper", "/bin/sleep", "600");
            long pid = containerdPid(cd);

            cd.restart();

            assertThat(containerdPid(cd)).isNotEqualTo(pid);
            assertThat(cd.ctrOk("images", "ls", "-q").lines()).containsExactly(image);
            assertThat(cd.ctrOk("tasks", "ls").stdout()).contains("sleeper").contains("RUNNING");
            // The shim is reached again after the restart: the task can still be killed and deleted.
            cd.ctrOk("tasks", "kill", "-s", "SIGKILL", "sleeper");
            waitUntil(() -> cd.ctrOk("tasks", "ls").stdout().contains("STOPPED"), Duration.ofSeconds(20));
            cd.ctrOk("tasks", "delete", "sleeper");
            cd.ctrOk("containers", "delete", "sleeper");
            assertThat(cd.log()).contains("starting containerd");
        }
    }

    @Test
    void closeLeavesNoProcessMountOrDirBehind() throws Exception {
        var cd = PrivateContainerd.start();
        String image = cd.busyboxImage();
        cd.ctrOk("run", "-d", "--runtime", GO_SHIM, image, "left1", "/bin/sleep", "600");
        cd.ctrOk("run", "-d", "--runtime", GO_SHIM, image, "left2", "/bin/sleep", "600");
        Process events = cd.startCtr("events");
        ProcessHandle containerd = cd.process();
        List<ProcessHandle> shims = processesMentioning(cd.address().toString());
        assertThat(shims).hasSizeGreaterThanOrEqualTo(2);
        List<ProcessHandle> containers = shims.stream().flatMap(ProcessHandle::descendants).toList();
        assertThat(containers).isNotEmpty();
        Path dir = cd.dir();

        cd.close();

        assertThat(containerd.isAlive()).isFalse();
        assertThat(events.isAlive()).isFalse();
        assertThat(shims).noneMatch(Procs::isRunning);
        assertThat(containers).noneMatch(Procs::isRunning);
        assertThat(processesMentioning(cd.address().toString())).isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(dir.toString());
        assertThat(dir).doesNotExist();
        assertThat(Path.of("/run/containerd/runc", cd.namespace())).doesNotExist();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            assertThat(hierarchies.map(h -> h.resolve(cd.namespace()))).noneMatch(Files::exists);
        }
        cd.close(); // idempotent
    }

    @Test
    void parallelInstancesDoNotSeeEachOther() {
        try (var a = PrivateContainerd.start(); var b = PrivateContainerd.start()) {
            assertThat(a.namespace()).isNotEqualTo(b.namespace());
            assertThat(a.address()).isNotEqualTo(b.address());
            assertThat(a.ttrpcAddress().toString()).isEqualTo(a.address() + ".ttrpc").endsWith(".ttrpc");
            assertThat(a.ttrpcAddress()).exists();
            assertThat(a.address().toString().length()).isLessThan(100);
            a.ctrOk("run", "-d", "--runtime", GO_SHIM, a.busyboxImage(), "same-id", "/bin/sleep", "600");
            b.ctrOk("run", "-d", "--runtime", GO_SHIM, b.busyboxImage(), "same-id", "/bin/sleep", "600");
            assertThat(a.ctrOk("containers", "ls", "-q").lines()).containsExactly("same-id");
            assertThat(b.ctrOk("containers", "ls", "-q").lines()).containsExactly("same-id");
        }
    }

    @Test
    void ctrReportsFailuresWithStderr() {
        try (var cd = PrivateContainerd.start()) {
            CtrResult r = cd.ctr("containers", "info", "no-such-container");
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.stderr()).contains("not found");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> cd.ctrOk("containers", "info", "no-such-container"))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("not found");
        }
    }

    private static long containerdPid(PrivateContainerd cd) {
        return cd.process().pid();
    }

    private static List<ProcessHandle> processesMentioning(String arg) {
        return ProcessHandle.allProcesses()
                .filter(p -> Procs.hasArgument(p, arg))
                .filter(Procs::isRunning)
                .filter(p -> p.info().command().map(c -> !c.endsWith("/ctr")).orElse(true))
                .toList();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
