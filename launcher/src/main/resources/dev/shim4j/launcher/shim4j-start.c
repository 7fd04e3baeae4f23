/*
 * shim4j-start: containerd's `start` for a shim4j launcher.
 *
 *   shim4j-start RUNTIME N JAVA_1 ... JAVA_N SHIM_ARG ...
 *   shim4j-start --pool RUNTIME SHIM_ARG ...     (prints the pool directory of such a start)
 *
 * RUNTIME names the shim (the launcher's name, e.g. runc4j); JAVA_1..JAVA_N is the whole JVM
 * command line up to and with the main class (JAVA_N); the shim's own arguments follow, ending in
 * `start`. The launcher (launcher.bash of shim4j-launcher, or the testkit's) execs this for `start` only.
 *
 * Two ways to answer, tried in this order:
 *
 *  1. Remote: a JVM that is already up answers. Spares (pre-started daemons) and live daemons of
 *     this containerd, runtime and namespace listen on Unix sockets in the pool directory
 *     $SHIM4J_PREFORK_DIR/KEY (see pool_dir). For each, this connects, checks that the peer runs
 *     as our own user, sends the request (below), and waits for one byte: 'T' (taken) or 'D'
 *     (declined). After 'T' it waits for the final reply and passes the answer on.
 *  2. Cold: a JVM of our own, in a session of its own, with stdout and stderr on pipes to this
 *     process, runs start in-process (-Ddev.shim4j.start=in-process): it answers on stdout, lets
 *     go of its stdio and serves on as the daemon. Its stderr is passed on only when it failed.
 *
 * Wire format, all integers 32-bit big-endian, strings as length + bytes (no NUL):
 *   request  = "S4J1" u32 body_length body
 *   body     = u32 argc arg* cwd u32 envc env* stdin
 *   response = 'T' | 'D', then after 'T': i32 status, stdout, stderr
 * Bounds: stdin at most 1 MiB (larger: cold), a request at most 4 MiB, stdout and stderr of a
 * reply at most 1 MiB each (larger: a protocol error).
 *
 * Why the hand-off is correct under any interleaving: this process is the only one that ever
 * writes to containerd's stdout and stderr during start, and it writes once, at the end, after it
 * has the whole answer in memory: so containerd receives exactly one answer or none, whatever
 * responders, spares being killed, or timeouts do meanwhile. A responder that declines, times
 * out, dies or says something malformed costs only its connection: the next one, or the cold
 * start, runs the same start again. Running it twice is safe because start is idempotent per
 * container: a second start finds the socket of the daemon the first made (if it made one) and
 * answers with its address; and a daemon made for a start that containerd never connects to
 * exits on its own after a deadline (see the Java side, ShimServer), so no fallback leaves an
 * orphan. Nothing is trusted that another user could have placed: every directory from the pool
 * root down is opened without following symlinks and must be ours and not writable by group or
 * others, sockets must be ours, and the peer's credentials must be ours; otherwise: cold. This
 * program creates and writes nothing in the pool directory.
 *
 * It prints nothing but the answer; on failure, one line on stderr (or the JVM's own reason).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STDIN (1u << 20)
#define MAX_REQUEST (4u << 20)
#define MAX_REPLY_STREAM (1u << 20)
#define MAX_COLD_STDERR (64u << 10)
#define MAX_RESPONDERS 64

static const char *runtime_name = "shim4j";

/* ---- small helpers ------------------------------------------------------------------------ */

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long env_ms(const char *name, long fallback) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') return fallback;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno != 0 || *end != '\0' || n < 0 || n > 3600000) return fallback;
  return n;
}

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static void fail_line(const char *what) {
  char line[512];
  int n = snprintf(line, sizeof line, "%s: start failed: %s\n", runtime_name, what);
  if (n > 0) write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

typedef struct {
  char *data;
  size_t len, cap;
} buf_t;

static int buf_reserve(buf_t *b, size_t more) {
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  char *d = realloc(b->data, cap);
  if (d == NULL) return -1;
  b->data = d;
  b->cap = cap;
  return 0;
}

static int buf_add(buf_t *b, const void *p, size_t n) {
  if (buf_reserve(b, n) < 0) return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

static int buf_u32(buf_t *b, uint32_t v) {
  uint32_t be = htonl(v);
  return buf_add(b, &be, 4);
}

static int buf_str(buf_t *b, const char *s, size_t n) {
  return buf_u32(b, (uint32_t)n) < 0 ? -1 : buf_add(b, s, n);
}

/* ---- the pool directory ------------------------------------------------------------------- */

/* A directory we may trust: a real directory, ours, writable by nobody else. */
static int trusted_dir(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid()
      && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* 64-bit FNV-1a: the pool key only has to tell containerds, runtimes and namespaces apart. */
static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/*
 * The pool's key text and directory name: containerd's address (-address, else GRPC_ADDRESS),
 * this runtime, the namespace (-namespace, else NAMESPACE). Returns -1 when the start names no
 * namespace (no pool then).
 */
static int pool_key(char **shim_args, int count, char *text, size_t text_size, char *name,
                    size_t name_size) {
  const char *address = getenv("GRPC_ADDRESS"), *namespace = getenv("NAMESPACE");
  for (int i = 0; i < count; i++) {
    const char *a = shim_args[i];
    if (a[0] == '-' && a[1] == '-') a++;
    if (strcmp(a, "-address") == 0 && i + 1 < count) address = shim_args[++i];
    else if (strncmp(a, "-address=", 9) == 0) address = a + 9;
    else if (strcmp(a, "-namespace") == 0 && i + 1 < count) namespace = shim_args[++i];
    else if (strncmp(a, "-namespace=", 11) == 0) namespace = a + 11;
  }
  if (namespace == NULL || *namespace == '\0') return -1;
  int n = snprintf(text, text_size, "address=%s\nruntime=%s\nnamespace=%s\n",
                   address ? address : "", runtime_name, namespace);
  if (n < 0 || (size_t)n >= text_size) return -1;
  snprintf(name, name_size, "%016llx", (unsigned long long)fnv1a(text, (size_t)n));
  return 0;
}

/* The pool directory, opened and checked; -1 when it is missing or not to be trusted. */
static int open_pool(const char *root, const char *name) {
  int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0) return -1;
  if (!trusted_dir(rootfd)) {
    close(rootfd);
    return -1;
  }
  int fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close(rootfd);
  if (fd >= 0 && !trusted_dir(fd)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The responders' socket names, spares first: "spare.PID", then "daemon.PID" when wanted. */
static int list_responders(int poolfd, int daemons, char names[][64]) {
  int count = 0;
  for (int pass = 0; pass < 2; pass++) {
    const char *prefix = pass == 0 ? "spare." : "daemon.";
    if (pass == 1 && !daemons) break;
    int dfd = dup(poolfd);
    if (dfd < 0) return count;
    DIR *dir = fdopendir(dfd);
    if (dir == NULL) {
      close(dfd);
      return count;
    }
    rewinddir(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < MAX_RESPONDERS) {
      size_t plen = strlen(prefix);
      if (strncmp(e->d_name, prefix, plen) != 0 || strlen(e->d_name) >= 64) continue;
      const char *p = e->d_name + plen;
      if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) continue;
      struct stat st;
      if (fstatat(poolfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(st.st_mode)
          || st.st_uid != geteuid()) {
        continue;
      }
      strcpy(names[count++], e->d_name);
    }
    closedir(dir);
  }
  return count;
}

/* ---- the remote path ---------------------------------------------------------------------- */

/* Waits until fd is ready for `events` or the deadline passes; 0 when ready. */
static int await_fd(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n > 0) return 0;
  }
}

static int send_until(int fd, const char *p, size_t len, long long deadline) {
  while (len > 0) {
    if (await_fd(fd, POLLOUT, deadline) < 0) return -1;
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int recv_until(int fd, void *buf, size_t len, long long deadline) {
  char *p = buf;
  while (len > 0) {
    if (await_fd(fd, POLLIN, deadline) < 0) return -1;
    ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int recv_stream(int fd, buf_t *out, long long deadline) {
  uint32_t be;
  if (recv_until(fd, &be, 4, deadline) < 0) return -1;
  uint32_t n = ntohl(be);
  if (n > MAX_REPLY_STREAM || buf_reserve(out, n + 1) < 0) return -1;
  if (recv_until(fd, out->data, n, deadline) < 0) return -1;
  out->len = n;
  return 0;
}

/* Connects to the responder `name` in the pool: our own user's socket, nobody else's. */
static int connect_responder(int poolfd, const char *name) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  /* through our descriptor of the checked directory: its path cannot be swapped meanwhile */
  int n = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", poolfd, name);
  if (n < 0 || (size_t)n >= sizeof addr.sun_path) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { /* full backlog: EAGAIN */
    close(fd);
    return -1;
  }
  struct ucred cred;
  socklen_t clen = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.uid != geteuid()) {
    close(fd);
    return -1;
  }
  return fd;
}

enum remote_result { REMOTE_ANSWERED, REMOTE_DECLINED, REMOTE_BROKEN };

/*
 * Asks one responder. REMOTE_ANSWERED: *status, out and err hold its final reply.
 * REMOTE_DECLINED: it said 'D', or never said 'T' in time. REMOTE_BROKEN: it took the start and
 * then failed to reply whole in time.
 */
static enum remote_result ask(int poolfd, const char *name, const buf_t *request, long wait_ms,
                              long reply_ms, int *status, buf_t *out, buf_t *err) {
  int fd = connect_responder(poolfd, name);
  if (fd < 0) return REMOTE_DECLINED;
  long long deadline = now_ms() + wait_ms;
  char verdict = 0;
  if (send_until(fd, request->data, request->len, deadline) < 0
      || recv_until(fd, &verdict, 1, deadline) < 0 || verdict != 'T') {
    close(fd);
    return REMOTE_DECLINED;
  }
  deadline = now_ms() + reply_ms;
  uint32_t be;
  if (recv_until(fd, &be, 4, deadline) < 0 || recv_stream(fd, out, deadline) < 0
      || recv_stream(fd, err, deadline) < 0) {
    close(fd);
    return REMOTE_BROKEN;
  }
  close(fd);
  *status = (int)ntohl(be);
  return REMOTE_ANSWERED;
}

static int build_request(buf_t *req, char **shim_args, int count, const char *in, size_t in_len) {
  extern char **environ;
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == NULL) return -1;
  buf_t body = {0};
  int ok = buf_u32(&body, (uint32_t)count) == 0;
  for (int i = 0; ok && i < count; i++) ok = buf_str(&body, shim_args[i], strlen(shim_args[i])) == 0;
  ok = ok && buf_str(&body, cwd, strlen(cwd)) == 0;
  uint32_t envc = 0;
  for (char **e = environ; *e; e++) envc++;
  ok = ok && buf_u32(&body, envc) == 0;
  for (char **e = environ; ok && *e; e++) ok = buf_str(&body, *e, strlen(*e)) == 0;
  ok = ok && buf_str(&body, in, in_len) == 0 && body.len <= MAX_REQUEST;
  ok = ok && buf_add(req, "S4J1", 4) == 0 && buf_u32(req, (uint32_t)body.len) == 0
      && buf_add(req, body.data, body.len) == 0;
  free(body.data);
  return ok ? 0 : -1;
}

/*
 * Reads all of stdin (containerd writes it and closes it) into a memfd, so that the cold start
 * can read it again: returns the memfd, positioned at 0, and its contents in *in (when they fit
 * the protocol's bound; else *in_len is past MAX_STDIN). -1 when it cannot be read.
 */
static int slurp_stdin(buf_t *in) {
  int mfd = memfd_create("shim4j-start-stdin", MFD_CLOEXEC);
  if (mfd < 0) return -1;
  char chunk[65536];
  long long deadline = now_ms() + 5000;
  for (;;) {
    if (await_fd(0, POLLIN, deadline) < 0) goto fail;
    ssize_t n = read(0, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) goto fail;
    if (n == 0) break;
    if (write_all(mfd, chunk, (size_t)n) < 0) goto fail;
    if (in->len <= MAX_STDIN && buf_add(in, chunk, (size_t)n) < 0) goto fail;
    else if (in->len > MAX_STDIN) in->len = MAX_STDIN + 1;
  }
  if (lseek(mfd, 0, SEEK_SET) != 0) goto fail;
  return mfd;
fail:
  close(mfd);
  return -1;
}

/* ---- the cold path ------------------------------------------------------------------------ */

static int drain(int fd, buf_t *b, size_t limit) {
  char chunk[65536];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  size_t keep = b->len >= limit ? 0 : ((size_t)n < limit - b->len ? (size_t)n : limit - b->len);
  if (keep > 0 && buf_add(b, chunk, keep) < 0) return 0;
  return 1;
}

/* Runs the start in a JVM of our own; exits with its outcome. stdin_fd: -1 to pass ours on. */
static int cold_start(char **jvm, int stdin_fd) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    fail_line("cannot make pipes");
    return 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    fail_line("cannot fork");
    return 1;
  }
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    setsid(); /* containerd must neither wait for the daemon nor signal it as part of start */
    if ((stdin_fd >= 0 && dup2(stdin_fd, 0) < 0) || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) {
      _exit(127);
    }
    execv(jvm[0], jvm);
    char line[512];
    int n = snprintf(line, sizeof line, "%s: start failed: cannot run %s: %s\n", runtime_name,
                     jvm[0], strerror(errno));
    if (n > 0) write_all(2, line, (size_t)n);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  if (stdin_fd >= 0) close(stdin_fd);
  buf_t answer = {0}, reason = {0};
  struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
  while (p[0].fd >= 0 || p[1].fd >= 0) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (p[i].fd >= 0 && p[i].revents != 0
          && !drain(p[i].fd, i == 0 ? &answer : &reason, i == 0 ? MAX_REPLY_STREAM : MAX_COLD_STDERR)) {
        close(p[i].fd);
        p[i].fd = -1;
      }
    }
  }
  /* Both pipes at end-of-file: the JVM answered and let go of its stdio, or it exited. */
  int wstatus = 0;
  pid_t done = waitpid(pid, &wstatus, WNOHANG);
  /* A process that exits closes its pipes a moment before it can be waited for: when it did not
   * plainly answer (an answer and nothing on stderr), give it that moment to show its status. */
  for (int i = 0; i < 100 && done == 0 && (reason.len > 0 || answer.len == 0); i++) {
    usleep(1000);
    done = waitpid(pid, &wstatus, WNOHANG);
  }
  int failed = done == pid && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  if (failed || answer.len == 0) {
    if (reason.len > 0) write_all(2, reason.data, reason.len);
    else fail_line("the JVM gave no answer");
    return failed && WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1;
  }
  return write_all(1, answer.data, answer.len) == 0 ? 0 : 1;
}

/* The JVM command line: JAVA_1..JAVA_N-1, the start's properties, JAVA_N (main), shim args. */
static char **jvm_argv(char **java, int n, char **shim_args, int count, const char *pool,
                       const char *key) {
  char **argv = calloc((size_t)(n + count + 8), sizeof *argv);
  if (argv == NULL) return NULL;
  int k = 0;
  for (int i = 0; i < n - 1; i++) argv[k++] = java[i];
  argv[k++] = "-Ddev.shim4j.start=in-process";
  if (pool != NULL) {
    char *p, *w, *t;
    if (asprintf(&p, "-Ddev.shim4j.pool=%s", pool) < 0) return NULL;
    if (asprintf(&t, "-Ddev.shim4j.pool.key=%s", key) < 0) return NULL;
    if (asprintf(&w, "-Ddev.shim4j.prefork.watch=%ld", (long)getppid()) < 0) return NULL;
    argv[k++] = p;
    argv[k++] = t;
    argv[k++] = w;
  }
  argv[k++] = java[n - 1];
  for (int i = 0; i < count; i++) argv[k++] = shim_args[i];
  argv[k] = NULL;
  return argv;
}

/* For tools and benchmarks: where the pool of a start with these arguments is. */
static int print_pool(char *runtime, char **shim_args, int count) {
  runtime_name = runtime;
  const char *root = getenv("SHIM4J_PREFORK_DIR");
  if (root == NULL || *root == '\0') root = "/run/shim4j/prefork";
  char key[8192], name[32];
  if (pool_key(shim_args, count, key, sizeof key, name, sizeof name) != 0) return 1;
  printf("%s/%s\n", root, name);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "--pool") == 0) return print_pool(argv[2], argv + 3, argc - 3);
  if (argc < 4) {
    fprintf(stderr, "usage: shim4j-start RUNTIME N JAVA_1 ... JAVA_N SHIM_ARG ...\n");
    return 2;
  }
  runtime_name = argv[1];
  char *end;
  long n = strtol(argv[2], &end, 10);
  if (*end != '\0' || n < 1 || n > argc - 3) {
    fail_line("shim4j-start: bad java argument count");
    return 2;
  }
  char **java = argv + 3;
  char **shim_args = argv + 3 + n;
  int count = argc - 3 - (int)n;
  signal(SIGPIPE, SIG_IGN);

  const char *root = getenv("SHIM4J_PREFORK_DIR");
  if (root == NULL || *root == '\0') root = "/run/shim4j/prefork";
  char key[8192], name[32], pool[4096];
  const char *pool_path = NULL;
  if (pool_key(shim_args, count, key, sizeof key, name, sizeof name) == 0
      && snprintf(pool, sizeof pool, "%s/%s", root, name) < (int)sizeof pool) {
    pool_path = pool;
  }
  char **jvm = jvm_argv(java, (int)n, shim_args, count, pool_path, key);
  if (jvm == NULL) {
    fail_line("out of memory");
    return 1;
  }

  int poolfd = pool_path != NULL ? open_pool(root, name) : -1;
  const char *prefork = getenv("SHIM4J_PREFORK"), *warm = getenv("SHIM4J_WARM_STARTS");
  int spares = prefork == NULL || strcmp(prefork, "0") != 0;
  int daemons = warm == NULL || strcmp(warm, "0") != 0;
  char names[MAX_RESPONDERS][64];
  int responders = poolfd >= 0 && (spares || daemons) && !isatty(0)
      ? list_responders(poolfd, daemons, names) : 0;
  if (!spares) { /* only the daemons' */
    int k = 0;
    for (int i = 0; i < responders; i++) {
      if (strncmp(names[i], "daemon.", 7) == 0) memmove(names[k++], names[i], 64);
    }
    responders = k;
  }
  if (responders == 0) return cold_start(jvm, -1);

  buf_t in = {0};
  int stdin_copy = slurp_stdin(&in);
  if (stdin_copy < 0) {
    fail_line("cannot read stdin");
    return 1;
  }
  buf_t request = {0};
  if (in.len > MAX_STDIN || build_request(&request, shim_args, count, in.data, in.len) < 0) {
    return cold_start(jvm, stdin_copy);
  }
  long wait_ms = env_ms("SHIM4J_PREFORK_WAIT_MS", 1000);
  long reply_ms = env_ms("SHIM4J_START_REPLY_MS", 10000);
  for (int i = 0; i < responders; i++) {
    int status = 1;
    buf_t out = {0}, err = {0};
    enum remote_result r = ask(poolfd, names[i], &request, wait_ms, reply_ms, &status, &out, &err);
    if (r == REMOTE_BROKEN) break; /* it may be half way: the cold start finds what it made */
    if (r == REMOTE_DECLINED) {
      free(out.data);
      free(err.data);
      continue;
    }
    if (status == 0 && out.len > 0) return write_all(1, out.data, out.len) == 0 ? 0 : 1;
    if (err.len > 0) write_all(2, err.data, err.len);
    else fail_line("the shim gave no answer");
    return status == 0 ? 1 : (status & 0xff ? status & 0xff : 1);
  }
  close(poolfd);
  return cold_start(jvm, stdin_copy);
}
