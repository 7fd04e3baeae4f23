package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PrivateContainerd;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runc4j shim under a real containerd 1.6 with runc and a busybox image. */
class RuncShimE2eTest {
  static PrivateContainerd cd;
  static Path shim;
  static String image;

  @BeforeAll
  static void setUp() {
    shim = E2eSupport.launcher();
    cd = PrivateContainerd.start();
    image = cd.busyboxImage();
  }

  @AfterAll
  static void tearDown() {
    if (cd != null) {
      cd.close();
    }
  }

  private CtrResult run(String... args) {
    String[] full = new String[args.length + 3];
    full[0] = "run";
    full[1] = "--runtime";
    full[2] = shim.toString();
    System.arraycopy(args, 0, full, 3, args.length);
    return cd.ctr(full);
  }

  @Test
  void echoPrintsAndExitsZero() {
    String id = E2eSupport.id("echo");
    CtrResult r = run("--rm", image, id, "/bin/echo", "hi");
    assertThat(r.exitCode()).as(r + "\n" + cd.log()).isZero();
    assertThat(r.stdout()).isEqualTo("hi\n");
  }
}
