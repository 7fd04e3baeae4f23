package dev.shim4j.ttrpc;

import java.util.Optional;

/** Decides whether a connecting peer may talk to a server. */
@FunctionalInterface
public interface PeerPolicy {
  /** @param peer the peer's SO_PEERCRED credentials, empty when the transport has none */
  boolean allows(Optional<PeerCredentials> peer);

  /** Only peers running as this process's own user, as containerd's servers do. The default. */
  PeerPolicy SAME_USER = peer -> peer.isPresent()
      && peer.get().user().equals(System.getProperty("user.name"));

  PeerPolicy ANYONE = peer -> true;
}
