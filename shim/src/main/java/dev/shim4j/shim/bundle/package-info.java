/**
 * The bundle directory's files: {@code config.json} (the parts shims need), {@code address},
 * {@code options.json}, {@code runtime}, pid files; atomic writes and a small strict JSON codec.
 */
package dev.shim4j.shim.bundle;
