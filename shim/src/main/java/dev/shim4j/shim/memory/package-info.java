/**
 * Keeping an idle shim's resident set small: pages it mapped from files (the JVM's library, the
 * AOT cache, the runtime image) but no longer uses.
 */
package dev.shim4j.shim.memory;
