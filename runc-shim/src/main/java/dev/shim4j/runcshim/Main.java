package dev.shim4j.runcshim;

import dev.shim4j.shim.Shim;

/** Entry point of containerd-shim-runc4j-v2. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Shim.run(RuncShim.RUNTIME_ID, args, RuncShim::new);
  }
}
