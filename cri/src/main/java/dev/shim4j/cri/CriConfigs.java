package dev.shim4j.cri;

import dev.shim4j.cri.v1.ContainerConfig;
import dev.shim4j.cri.v1.ContainerMetadata;
import dev.shim4j.cri.v1.ImageSpec;
import dev.shim4j.cri.v1.LinuxContainerConfig;
import dev.shim4j.cri.v1.LinuxContainerResources;
import dev.shim4j.cri.v1.LinuxPodSandboxConfig;
import dev.shim4j.cri.v1.LinuxSandboxSecurityContext;
import dev.shim4j.cri.v1.NamespaceMode;
import dev.shim4j.cri.v1.NamespaceOption;
import dev.shim4j.cri.v1.PodSandboxConfig;
import dev.shim4j.cri.v1.PodSandboxMetadata;
import java.nio.file.Path;
import java.util.Arrays;

/** The pod and container configs kubelet would send, reduced to what a test states. */
public final class CriConfigs {

    /** The Kubernetes namespace the tests' pods claim (a label only: CRI keeps no such thing). */
    public static final String POD_NAMESPACE = "shim4j";

    private CriConfigs() {}

    /**
     * A pod on the node's network (no CNI needed): its logs under {@code logDirectory}, its
     * cgroups under {@code cgroupParent} (cgroupfs path, e.g. {@code /NS/pod1}).
     *
     * <p>No hostname: a pod in the node's network shares the node's UTS namespace, and runc
     * refuses to set a hostname without a private one ("unable to set hostname without a
     * private UTS namespace"); kubelet leaves it empty for such pods too.
     */
    public static PodSandboxConfig hostNetworkPod(String name, Path logDirectory, String cgroupParent) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name).setUid(name + "-uid").setNamespace(POD_NAMESPACE))
                .setLogDirectory(logDirectory.toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(cgroupParent)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setNetwork(NamespaceMode.NODE)
                                        .setPid(NamespaceMode.CONTAINER)
                                        .setIpc(NamespaceMode.POD))))
                .build();
    }

    /**
     * A pod with a network namespace of its own (CRI sets it up through CNI), hostname
     * {@code name}: its logs under {@code logDirectory}, its cgroups under {@code cgroupParent}.
     */
    public static PodSandboxConfig networkPod(String name, Path logDirectory, String cgroupParent) {
        PodSandboxConfig host = hostNetworkPod(name, logDirectory, cgroupParent);
        var linux = host.getLinux().toBuilder();
        linux.getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.POD);
        return host.toBuilder().setHostname(name).setLinux(linux).build();
    }

    /**
     * A container {@code name} of {@code image} running {@code command}; its log at
     * {@code name.log} in the pod's log directory.
     */
    public static ContainerConfig container(String name, String image, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(Arrays.asList(command))
                .setLogPath(name + ".log")
                .build();
    }

    /** {@link #container} with a memory limit (bytes) and no swap beyond it. */
    public static ContainerConfig container(String name, String image, long memoryLimit, String... command) {
        return container(name, image, command).toBuilder()
                .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(memoryLimit)
                        .setMemorySwapLimitInBytes(memoryLimit)))
                .build();
    }
}
