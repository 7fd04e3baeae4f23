package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.cri.CriConfigs;
import dev.shim4j.cri.v1.ContainerState;
import dev.shim4j.cri.v1.PodSandboxState;
import java.nio.file.Files;
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
}
