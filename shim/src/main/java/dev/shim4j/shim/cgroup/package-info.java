/**
 * cgroups as a shim needs them: the host's mode, a process's groups, metrics as containerd's
 * {@code io.containerd.cgroups.v1/v2.Metrics}, OOM notifications, and joining a group (the
 * shim_cgroup option). Changing limits is runc's job ({@code runc update}).
 */
package dev.shim4j.shim.cgroup;
