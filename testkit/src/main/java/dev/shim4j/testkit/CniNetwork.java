package dev.shim4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pod network of one private containerd: a CNI bridge of its own (a Linux bridge named after
 * the instance's dir, created by the bridge plugin when the first pod with a network namespace
 * runs) with a /24 of {@value #PREFIX}.0.0/16 that no other network of the machine routes, and
 * host-local IPAM keeping its leases in the instance's dir. The host is the bridge's gateway
 * ({@code isGateway}), so it reaches every pod directly; {@code ipMasq} is off, so the plugin adds
 * no NAT rule, and without the firewall or portmap plugins in the chain no iptables rule at all:
 * traffic stays on the bridge, and removing the bridge ({@link #remove}) leaves nothing behind.
 * (The bridge plugin does turn on the kernel's IPv4 forwarding, as on any CNI node.)
 *
 * <p>Why two instances never get the same subnet, even in different JVMs (other test runs on the
 * machine): a subnet is taken while some instance's dir holds a conflist naming it, or the
 * routing table has a route into it. Choosing and writing the conflist happen under one lock, an
 * exclusive lock on {@value #LOCK_FILE} (between JVMs) held inside a JVM-wide monitor (a JVM may
 * hold that lock only once), so no two instances choose while the other has not written yet. A
 * dir that is removed releases its subnet with it; a JVM that dies releases the lock.
 */
public final class CniNetwork {

    /** Where Debian's containernetworking-plugins puts the plugins (bridge, host-local, loopback). */
    public static final Path PLUGINS = Path.of("/usr/lib/cni");
    static final String PREFIX = "10.88";
    static final String LOCK_FILE = "/tmp/s4j-cni.lock";
    static final String CONFLIST = "10-shim4j.conflist";
    private static final Pattern SUBNET = Pattern.compile("\"subnet\": \"" + Pattern.quote(PREFIX) + "\\.(\\d+)\\.0/24\"");
    private static final Object JVM_LOCK = new Object();

    private final String bridge;
    private final int third;
    private final Path confDir;

    private CniNetwork(String bridge, int third, Path confDir) {
        this.bridge = bridge;
        this.third = third;
        this.confDir = confDir;
    }

    /** The bridge's name: {@code s4j} and a hash of {@code dir}, within the kernel's 15 characters. */
    static String bridgeName(Path dir) {
        return "s4j" + HexFormat.of().toHexDigits(dir.toString().hashCode());
    }

    /**
     * Chooses a free subnet and writes the conflist into {@code dir/cni/conf}; IPAM keeps its
     * leases in {@code dir/cni/ipam}.
     */
    static CniNetwork create(Path dir) {
        Path conf = dir.resolve("cni").resolve("conf");
        Path ipam = dir.resolve("cni").resolve("ipam");
        String bridge = bridgeName(dir);
        synchronized (JVM_LOCK) {
            try (FileChannel lockFile = FileChannel.open(Path.of(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                Files.createDirectories(conf);
                Files.createDirectories(ipam);
                Set<Integer> taken = takenThirdOctets(dir.getParent());
                int start = Math.floorMod(dir.toString().hashCode(), 250);
                for (int i = 0; i < 250; i++) {
                    int third = 1 + (start + i) % 250;
                    if (!taken.contains(third)) {
                        var net = new CniNetwork(bridge, third, conf);
                        Files.writeString(conf.resolve(CONFLIST), net.conflist(ipam), StandardCharsets.UTF_8);
                        return net;
                    }
                }
                throw new IllegalStateException("no free /24 left in " + PREFIX + ".0.0/16 for a pod network");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The bridge's name on the host. */
    public String bridge() { return bridge; }
    /** The pods' subnet, e.g. {@code 10.88.17.0/24}. */
    public String subnet() { return PREFIX + "." + third + ".0/24"; }
    /** The bridge's address on the host: the pods' gateway. */
    public String gateway() { return PREFIX + "." + third + ".1"; }
    /** CRI's {@code conf_dir}. */
    public Path confDir() { return confDir; }

    /** Whether {@code ip} is inside {@link #subnet()}. */
    public boolean contains(String ip) {
        return ip.startsWith(PREFIX + "." + third + ".");
    }

    /** Whether the bridge exists on the host. */
    public boolean bridgeExists() {
        return Files.exists(Path.of("/sys/class/net", bridge));
    }

    /** The host's ends of the pods' veth pairs, the ports of the bridge. */
    public List<String> ports() {
        Path brif = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(brif)) {
            return List.of();
        }
        try (var s = Files.list(brif)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Deletes the bridge (with any port still on it); nothing if it was never created. */
    void remove() {
        if (bridgeExists()) {
            Commands.run(List.of("ip", "link", "delete", bridge), Map.of(), new byte[0], Duration.ofSeconds(10));
        }
    }

    private String conflist(Path ipam) {
        return """
                {
                  "cniVersion": "1.0.0",
                  "name": "%1$s",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "%1$s",
                      "isGateway": true,
                      "ipMasq": false,
                      "hairpinMode": false,
                      "ipam": {
                        "type": "host-local",
                        "dataDir": "%2$s",
                        "ranges": [[{"subnet": "%3$s", "gateway": "%4$s"}]]
                      }
                    }
                  ]
                }
                """.formatted(bridge, ipam, subnet(), gateway());
    }

    /** Third octets in use: by conflists of live instances under {@code tmp}, or by a route. */
    private static Set<Integer> takenThirdOctets(Path tmp) throws IOException {
        Set<Integer> taken = new HashSet<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, "s4j-*")) {
            for (Path d : dirs) {
                Path f = d.resolve("cni").resolve("conf").resolve(CONFLIST);
                try {
                    Matcher m = SUBNET.matcher(Files.readString(f));
                    if (m.find()) {
                        taken.add(Integer.parseInt(m.group(1)));
                    }
                } catch (IOException ignored) {
                    // No network of its own (yet), or gone meanwhile.
                }
            }
        }
        taken.addAll(routedThirdOctets());
        return taken;
    }

    /**
     * Third octets of {@value #PREFIX}.x that a route of the host covers (/proc/net/route: the
     * destination and mask in little-endian hex).
     */
    private static Set<Integer> routedThirdOctets() throws IOException {
        Set<Integer> routed = new HashSet<>();
        int[] prefix = {Integer.parseInt(PREFIX.split("\\.")[0]), Integer.parseInt(PREFIX.split("\\.")[1])};
        for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            long dest = Integer.reverseBytes((int) Long.parseLong(f[1], 16)) & 0xffffffffL;
            long mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16)) & 0xffffffffL;
            if (mask == 0) {
                continue; // the default route covers everything and says nothing
            }
            for (int third = 1; third <= 250; third++) {
                long net = ((long) prefix[0] << 24) | ((long) prefix[1] << 16) | ((long) third << 8);
                // Overlap of two prefixes: equal under the shorter mask.
                long shorter = mask & 0xffffff00L;
                if ((net & shorter) == (dest & shorter)) {
                    routed.add(third);
                }
            }
        }
        return routed;
    }
}
