/**
 * Publishing task events to containerd: {@link dev.shim4j.shim.event.Publishers#create} picks
 * Events/Forward over ttrpc (TTRPC_ADDRESS) or the publish binary; events leave in publish order
 * from a bounded queue, with per-call timeouts, retries and redial.
 */
package dev.shim4j.shim.event;
