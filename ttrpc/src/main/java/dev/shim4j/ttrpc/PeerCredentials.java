package dev.shim4j.ttrpc;

/** Who is on the other end of a Unix socket, as the kernel reports it (SO_PEERCRED). */
public record PeerCredentials(String user, String group) {}
