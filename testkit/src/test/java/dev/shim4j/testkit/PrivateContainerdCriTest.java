package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.cri.CriConfigs;
import dev.shim4j.cri.v1.ContainerState;
import dev.shim4j.cri.v1.PodSandboxState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Proves the CRI fixture with Go's runc shim: a pod with a container, through CRI only. */
class PrivateContainerdCriTest {

    @ParameterizedTest(name = "containerd {0}")
    @ValueSource(strings = {"1.6", "1.7", "2.1"})
    void runsAPodWithGoRunc(String series) throws Exception {
        try (var cd = PrivateContainerd.startWithCri(ContainerdRelease.of(series), List.of(CriHandler.goRunc()))) {
            var cri = cd.cri();
            assertThat(cri.version().getRuntimeVersion()).startsWith(series + ".");
            assertThat(cri.listImages()).as("the imported images, nothing pulled")
                    .anySatisfy(i -> assertThat(i.getRepoTagsList()).contains(BusyboxImage.PAUSE_REF))
                    .anySatisfy(i -> assertThat(i.getRepoTagsList()).contains(BusyboxImage.REF));

            var pod = cd.hostNetworkPod("p1");
            String podId = cri.runPodSandbox(pod, "runc");
            assertThat(cri.podSandboxStatus(podId).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
            String c = cri.createContainer(podId, CriConfigs.container("hello", cd.criImage(), "/bin/echo", "hello"), pod);
            cri.startContainer(c);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (cri.containerStatus(c).getState() != ContainerState.CONTAINER_EXITED && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(cri.containerStatus(c).getExitCode()).isZero();
            assertThat(Files.readString(cd.podLogDir("p1").resolve("hello.log"))).contains(" stdout F hello");
            cri.removeContainer(c);
            cri.stopPodSandbox(podId);
            cri.removePodSandbox(podId);
            assertThat(cd.ctrCriOk("containers", "ls", "-q").lines()).isEmpty();
        }
    }

    /**
     * A pod with a network namespace of its own gets an address of the instance's subnet on its
     * bridge; close() removes the bridge even with the pod still there.
     */
    @Test
    void aNetworkPodGetsAnAddressAndCloseRemovesTheBridge() {
        CniNetwork network;
        try (var cd = PrivateContainerd.startWithCri(ContainerdRelease.of(ContainerdRelease.SYSTEM_SERIES),
                List.of(CriHandler.goRunc()))) {
            network = cd.network();
            String podId = cd.cri().runPodSandbox(cd.networkPod("net1"), "runc");
            String ip = cd.cri().podSandboxStatus(podId).getNetwork().getIp();
            assertThat(network.contains(ip)).as(ip + " in " + network.subnet()).isTrue();
            assertThat(network.bridgeExists()).isTrue();
            assertThat(network.ports()).as("the pod's veth").hasSize(1);
        }
        assertThat(network.bridgeExists()).as("bridge " + network.bridge() + " left").isFalse();
    }

    /**
     * A pod whose shim died while containerd was down (nobody ran the shim's delete): close()
     * kills and deletes its containers in the handlers' runc root, so no process or cgroup stays.
     */
    @Test
    void closeEndsContainersWhoseShimDiedWhileContainerdWasDown() throws Exception {
        String marker = Long.toString(800_000 + ProcessHandle.current().pid());
        String namespace;
        try (var cd = PrivateContainerd.startWithCri(ContainerdRelease.of(ContainerdRelease.SYSTEM_SERIES),
                List.of(CriHandler.goRunc()))) {
            namespace = cd.namespace();
            var pod = cd.hostNetworkPod("orphan");
            String podId = cd.cri().runPodSandbox(pod, "runc");
            String c = cd.cri().createContainer(podId, CriConfigs.container("sleeper", cd.criImage(), "/bin/sleep", marker), pod);
            cd.cri().startContainer(c);
            cd.stop();
            List<ProcessHandle> shims = Procs.runningWithArgument(cd.address().toString());
            assertThat(shims).as("the pod's shim").isNotEmpty();
            var sockets = Procs.boundUnixSockets(shims.stream().map(ProcessHandle::pid).toList());
            shims.forEach(ProcessHandle::destroyForcibly);
            assertThat(sleepers(marker)).as("the container outlives its shim").isNotEmpty();
            // A killed Go shim leaves its socket file: not on this machine.
            for (var socket : sockets.values().stream().flatMap(java.util.Set::stream)
                    .filter(p -> p.startsWith("/run/containerd/s")).toList()) {
                Files.deleteIfExists(socket);
            }
        }
        assertThat(sleepers(marker)).as("close() ended the container").isEmpty();
        assertThat(Path.of("/sys/fs/cgroup/pids", namespace)).as("cgroups removed").doesNotExist();
    }

    private static List<ProcessHandle> sleepers(String marker) {
        return ProcessHandle.allProcesses()
                .filter(h -> Procs.commandLine(h.pid()).equals(List.of("/bin/sleep", marker)) && Procs.isRunning(h))
                .toList();
    }
}
