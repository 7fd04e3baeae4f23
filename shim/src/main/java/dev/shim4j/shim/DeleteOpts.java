package dev.shim4j.shim;

import java.nio.file.Path;

/**
 * What {@link Shim#deleteShim} cleans up after: containerd runs {@code delete} when a task is gone
 * or its shim died. It may run more than once for the same id, and while a grouped daemon still
 * serves other containers.
 *
 * @param id the container id
 * @param namespace the containerd namespace
 * @param bundle the container's bundle directory
 */
public record DeleteOpts(String id, String namespace, Path bundle) {}
