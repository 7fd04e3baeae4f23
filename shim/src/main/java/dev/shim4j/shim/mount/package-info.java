/**
 * Mounting containerd's {@code containerd.types.Mount} lists (a task's rootfs) with mount(2),
 * and unmounting everything under a directory again.
 */
package dev.shim4j.shim.mount;
