package dev.shim4j.dist.bench;

import java.nio.file.Path;

/**
 * What containerd would give a shim: a bundle directory (config.json and the log FIFO, prepared
 * by the calling script), a namespace and containerd's addresses (the gRPC address only names the
 * socket; nothing is published while the shims idle).
 */
record BenchEnv(Path bundle, String namespace, String containerdAddress, String publishBinary) {}
