/**
 * Shim logging: {@link dev.shim4j.shim.log.ShimLogging#logger} in shim4j's code and
 * {@code System.getLogger(name)} anywhere else, both giving logrus-format lines
 * ({@code time="..." level=info msg="..."}) to the bundle's {@code log} FIFO once
 * {@link dev.shim4j.shim.log.ShimLogging#configure} ran, stderr before. A bounded queue and one
 * writer thread keep a FIFO nobody reads from ever blocking the shim.
 */
package dev.shim4j.shim.log;
