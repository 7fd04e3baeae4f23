package dev.shim4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CniNetworkTest {

    /** 40 instances choosing at once (what parallel test classes do) never share a subnet or a bridge. */
    @Test
    void fortyNetworksChosenAtOnceAreDistinct() throws Exception {
        List<Path> dirs = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                dirs.add(Files.createTempDirectory(Path.of("/tmp"), "s4j-"));
            }
            List<CniNetwork> nets = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<CniNetwork>> created = dirs.stream().map(d -> pool.submit(() -> CniNetwork.create(d))).toList();
                for (Future<CniNetwork> f : created) {
                    nets.add(f.get());
                }
            }
            assertThat(nets.stream().map(CniNetwork::subnet).distinct()).hasSize(40);
            assertThat(nets.stream().map(CniNetwork::bridge).distinct()).hasSize(40);
            assertThat(nets).allSatisfy(n -> {
                assertThat(n.bridge().length()).as(n.bridge()).isLessThanOrEqualTo(15);
                assertThat(n.subnet()).matches("10\\.88\\.\\d+\\.0/24");
                assertThat(n.contains(n.gateway())).isTrue();
                assertThat(n.bridgeExists()).as("created by the first pod only").isFalse();
                assertThat(Files.readString(n.confDir().resolve(CniNetwork.CONFLIST)))
                        .contains("\"ipMasq\": false").contains("\"isGateway\": true").contains(n.subnet());
            });
        } finally {
            dirs.forEach(CniNetworkTest::removeTree);
        }
    }

    private static void removeTree(Path top) {
        try (Stream<Path> walk = Files.walk(top)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
