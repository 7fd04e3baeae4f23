/**
 * Not API: the machinery behind {@link dev.shim4j.shim.Shim#run}. A shim author never imports
 * this package; its classes change without notice between versions.
 *
 * <p>What lives here: the bootstrap of one run of a shim binary ({@code Bootstrap}: flags, then
 * {@code start}, {@code delete} or serve), the daemon spawn with the listening socket handed over
 * ({@code Daemon}, {@code ShimAddress}), the ttrpc server of the daemon ({@code ShimServer}), and
 * the start path of the distribution's launchers: in-process starts ({@code InProcessStart}),
 * pre-started spares ({@code Prefork}, {@code SparePool}, {@code PoolDir}), starts answered by a
 * live daemon ({@code WarmStarts}) and the wire between the launcher and those JVMs
 * ({@code StartWire}, {@code StartResponder}). Only what a class of the public package or a
 * test of another module must reach is public.
 */
package dev.shim4j.shim.internal;
