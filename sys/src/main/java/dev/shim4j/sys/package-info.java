/**
 * Every native call of shim4j, through the FFM API (java.lang.foreign), for x86_64 Linux with
 * glibc. No other module touches FFM. JVMs that load this package need
 * {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <ul>
 *   <li>{@link dev.shim4j.sys.Processes}: pids, uid, setsid, prctl (child subreaper, parent-death
 *       signal), kill, waitpid with a decoded {@link dev.shim4j.sys.WaitStatus}, oom_score_adj.
 *   <li>{@link dev.shim4j.sys.Spawn}: posix_spawn with descriptor mappings, /dev/null, every other
 *       descriptor closed, reset signal mask and dispositions, setsid, working directory.
 *   <li>{@link dev.shim4j.sys.Fds}: pipes, dup/dup2/dup3, close, fcntl flags, open (FIFO
 *       helpers), mkfifo, read/write, poll; {@link dev.shim4j.sys.FdInputStream} and
 *       {@link dev.shim4j.sys.FdOutputStream} wrap an owned descriptor as a Java stream.
 *   <li>{@link dev.shim4j.sys.UnixSockets}: AF_UNIX listen/connect/accept on raw descriptors,
 *       SCM_RIGHTS send/receive, SO_PEERCRED.
 *   <li>{@link dev.shim4j.sys.Terminal}: pty pairs, TIOCGWINSZ/TIOCSWINSZ.
 *   <li>{@link dev.shim4j.sys.EventFds} (with the cgroup v1 OOM registration) and
 *       {@link dev.shim4j.sys.Inotify} (cgroup v2 memory.events).
 *   <li>{@link dev.shim4j.sys.Mounts} (mount, umount2, MS_ and MNT_ flags) and
 *       {@link dev.shim4j.sys.MountInfo} (/proc/self/mountinfo).
 *   <li>{@link dev.shim4j.sys.Signals}: names and numbers, handling SIGTERM/SIGINT, ignoring
 *       SIGPIPE.
 *   <li>{@link dev.shim4j.sys.NativeWarmup}: the cold-JVM cost of the first native calls (the
 *       downcall link, the memory layouts' var handles), paid on a thread of the caller's choice.
 * </ul>
 *
 * <p>Errors are {@link dev.shim4j.sys.SysException} (an IOException) naming the call, its subject
 * and the errno, e.g. {@code waitpid -1: ECHILD (10)}. Every descriptor this package creates is
 * close-on-exec. Calls that may block (waitpid, read, write, poll, recvmsg) hold the calling
 * thread in native code; a virtual thread pins its carrier meanwhile, so run such loops (the
 * reaper) on platform threads. The exception: {@link dev.shim4j.sys.FdInputStream},
 * {@link dev.shim4j.sys.FdOutputStream} and {@link dev.shim4j.sys.Inotify#read} wait for
 * readiness on a shared epoll thread when called from a virtual thread, so stdio copies may use
 * virtual threads.
 */
package dev.shim4j.sys;
