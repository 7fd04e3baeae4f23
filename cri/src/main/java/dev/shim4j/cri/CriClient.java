package dev.shim4j.cri;

import dev.shim4j.cri.v1.ContainerConfig;
import dev.shim4j.cri.v1.ContainerFilter;
import dev.shim4j.cri.v1.ContainerStats;
import dev.shim4j.cri.v1.ContainerStatsRequest;
import dev.shim4j.cri.v1.ContainerStatus;
import dev.shim4j.cri.v1.ContainerStatusRequest;
import dev.shim4j.cri.v1.CreateContainerRequest;
import dev.shim4j.cri.v1.ExecSyncRequest;
import dev.shim4j.cri.v1.ExecSyncResponse;
import dev.shim4j.cri.v1.Image;
import dev.shim4j.cri.v1.ImageServiceGrpc;
import dev.shim4j.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import dev.shim4j.cri.v1.LinuxContainerResources;
import dev.shim4j.cri.v1.ListContainersRequest;
import dev.shim4j.cri.v1.ListImagesRequest;
import dev.shim4j.cri.v1.PodSandboxConfig;
import dev.shim4j.cri.v1.PodSandboxStatus;
import dev.shim4j.cri.v1.PodSandboxStatusRequest;
import dev.shim4j.cri.v1.RemoveContainerRequest;
import dev.shim4j.cri.v1.RemovePodSandboxRequest;
import dev.shim4j.cri.v1.RunPodSandboxRequest;
import dev.shim4j.cri.v1.RuntimeServiceGrpc;
import dev.shim4j.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.shim4j.cri.v1.StartContainerRequest;
import dev.shim4j.cri.v1.StatusRequest;
import dev.shim4j.cri.v1.StatusResponse;
import dev.shim4j.cri.v1.StopContainerRequest;
import dev.shim4j.cri.v1.StopPodSandboxRequest;
import dev.shim4j.cri.v1.UpdateContainerResourcesRequest;
import dev.shim4j.cri.v1.VersionRequest;
import dev.shim4j.cri.v1.VersionResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A client of a containerd's CRI service (Kubernetes' {@code runtime.v1}, what kubelet calls)
 * over its Unix socket, for tests: one blocking method per RPC, each with a deadline, so a hung
 * runtime fails the test instead of stalling it.
 *
 * <p>Every call gets {@link #deadline()}; calls that wait on purpose (StopContainer's grace
 * period, ExecSync's timeout) get that wait on top. gRPC channels are safe for concurrent use,
 * so one client serves every thread of a test (the parallel-pod test runs 20 pods through one).
 *
 * <pre>{@code
 * try (var cri = CriClient.connect(Path.of("/run/containerd/containerd.sock"))) {
 *     String pod = cri.runPodSandbox(CriConfigs.hostNetworkPod("p1", "/tmp/logs"), "runc");
 *     ...
 * }
 * }</pre>
 */
public final class CriClient implements AutoCloseable {

    /**
     * grpc asks every channel for SO_KEEPALIVE, which a Unix socket does not have; netty warns
     * of it on each connect. Held here: a logger only referenced by name may be collected and
     * lose its level.
     */
    private static final Logger BOOTSTRAP_LOG = Logger.getLogger(
            "io.grpc.netty.shaded.io.netty.bootstrap.AbstractBootstrap");

    static {
        BOOTSTRAP_LOG.setLevel(Level.SEVERE);
    }

    /**
     * What one call may take unless the caller says otherwise: generous, as a RunPodSandbox that
     * starts a JVM shim among 20 others on a loaded 2-core machine can take tens of seconds; a
     * hung runtime still fails the test.
     */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(120);

    private final ManagedChannel channel;
    private final EpollEventLoopGroup loop;
    private final Duration deadline;

    private CriClient(ManagedChannel channel, EpollEventLoopGroup loop, Duration deadline) {
        this.channel = channel;
        this.loop = loop;
        this.deadline = deadline;
    }

    /** Connects (lazily, on the first call) to the gRPC server on the Unix socket {@code socket}. */
    public static CriClient connect(Path socket) {
        return connect(socket, DEFAULT_DEADLINE);
    }

    /** Like {@link #connect(Path)} with {@code deadline} for each call. */
    public static CriClient connect(Path socket, Duration deadline) {
        var loop = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(loop)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // containerd answers with messages of several MB for big lists; allow what kubelet does.
                .maxInboundMessageSize(16 << 20)
                .build();
        return new CriClient(channel, loop, deadline);
    }

    /** The deadline of each call. */
    public Duration deadline() { return deadline; }

    // ----- runtime -----

    public VersionResponse version() {
        return runtime(Duration.ZERO).version(VersionRequest.newBuilder().setVersion("v1").build());
    }

    /** The runtime's conditions (RuntimeReady, NetworkReady) and, verbose, its config as JSON in info. */
    public StatusResponse status(boolean verbose) {
        return runtime(Duration.ZERO).status(StatusRequest.newBuilder().setVerbose(verbose).build());
    }

    // ----- pods -----

    /** Runs a pod's sandbox with the runtime handler {@code handler} ("" for the default); its id. */
    public String runPodSandbox(PodSandboxConfig config, String handler) {
        return runtime(Duration.ZERO).runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(config).setRuntimeHandler(handler).build()).getPodSandboxId();
    }

    public void stopPodSandbox(String podId) {
        runtime(Duration.ZERO).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    public void removePodSandbox(String podId) {
        runtime(Duration.ZERO).removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    public PodSandboxStatus podSandboxStatus(String podId) {
        return runtime(Duration.ZERO).podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(podId).build()).getStatus();
    }

    // ----- containers -----

    /** Creates a container in pod {@code podId} (whose config kubelet sends along); its id. */
    public String createContainer(String podId, ContainerConfig config, PodSandboxConfig podConfig) {
        return runtime(Duration.ZERO).createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(podId).setConfig(config).setSandboxConfig(podConfig).build()).getContainerId();
    }

    public void startContainer(String containerId) {
        runtime(Duration.ZERO).startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    /** Stops a container: its stop signal, then SIGKILL after {@code grace} (whole seconds). */
    public void stopContainer(String containerId, Duration grace) {
        runtime(grace).stopContainer(StopContainerRequest.newBuilder()
                .setContainerId(containerId).setTimeout(grace.toSeconds()).build());
    }

    public void removeContainer(String containerId) {
        runtime(Duration.ZERO).removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    public ContainerStatus containerStatus(String containerId) {
        return runtime(Duration.ZERO).containerStatus(ContainerStatusRequest.newBuilder()
                .setContainerId(containerId).build()).getStatus();
    }

    /** The containers that match {@code filter} (all with the default instance). */
    public List<dev.shim4j.cri.v1.Container> listContainers(ContainerFilter filter) {
        return runtime(Duration.ZERO).listContainers(ListContainersRequest.newBuilder().setFilter(filter).build())
                .getContainersList();
    }

    /**
     * Runs {@code cmd} in the container and waits for it, at most {@code timeout} (whole seconds;
     * zero waits as long as it runs): its output and exit code. A command that outlives the
     * timeout fails the call with DEADLINE_EXCEEDED from the runtime.
     */
    public ExecSyncResponse execSync(String containerId, Duration timeout, String... cmd) {
        return runtime(timeout).execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId).addAllCmd(Arrays.asList(cmd)).setTimeout(timeout.toSeconds()).build());
    }

    public void updateContainerResources(String containerId, LinuxContainerResources resources) {
        runtime(Duration.ZERO).updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(containerId).setLinux(resources).build());
    }

    public ContainerStats containerStats(String containerId) {
        return runtime(Duration.ZERO).containerStats(ContainerStatsRequest.newBuilder()
                .setContainerId(containerId).build()).getStats();
    }

    // ----- images -----

    public List<Image> listImages() {
        return images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** A stub whose call may take the deadline plus {@code wait}, the time the call waits on purpose. */
    private RuntimeServiceBlockingStub runtime(Duration wait) {
        return RuntimeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadline.plus(wait).toMillis(), TimeUnit.MILLISECONDS);
    }

    private ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }
}
