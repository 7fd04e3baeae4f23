#!/bin/bash
# A stand-in for runc in unit tests: records its argv (one argument per line, then "--end--")
# into $FAKE_DIR/calls, saves stdin of `update` into $FAKE_DIR/stdin, prints canned JSON for the
# queries, and fails like runc (JSON error line in --log, message on stderr, exit 1) for the
# subcommand named in $FAKE_DIR/fail (the file's content is the error message).
for a in "$@"; do printf '%s\n' "$a" >> "$FAKE_DIR/calls"; done
echo "--end--" >> "$FAKE_DIR/calls"

log=""; sub=""; prev=""
for a in "$@"; do
  if [ "$prev" = "--log" ]; then log="$a"; fi
  case "$prev" in --root|--log|--log-format|--criu) prev="$a"; continue;; esac
  if [ -z "$sub" ] && [ "${a#-}" = "$a" ]; then sub="$a"; fi
  prev="$a"
done

if [ -f "$FAKE_DIR/fail" ] && [ "$(head -1 "$FAKE_DIR/fail")" = "$sub" ]; then
  msg="$(sed -n 2p "$FAKE_DIR/fail")"
  if [ -n "$log" ]; then
    printf '{"level":"info","msg":"starting","time":"2026-01-01T00:00:00Z"}\n' >> "$log"
    printf '{"level":"error","msg":"%s","time":"2026-01-01T00:00:00Z"}\n' "$msg" >> "$log"
  fi
  echo "$msg" >&2
  exit 1
fi

pidfile=""; prev=""
for a in "$@"; do
  if [ "$prev" = "--pid-file" ]; then pidfile="$a"; fi
  prev="$a"
done
if [ -n "$pidfile" ]; then echo -n 4242 > "$pidfile"; fi

for a in "$@"; do if [ "$a" = "--version" ]; then sub="--version"; fi; done
case "$sub" in
  state)
    cat <<'JSON'
{
  "ociVersion": "1.0.2-dev",
  "id": "c1",
  "pid": 16864,
  "status": "running",
  "bundle": "/b/c1",
  "rootfs": "/b/c1/rootfs",
  "created": "2026-11-29T16:08:04.480160198Z",
  "annotations": {"a": "b"},
  "owner": ""
}
JSON
    ;;
  ps) if [ -f "$FAKE_DIR/ps" ]; then cat "$FAKE_DIR/ps"; else echo '[16864,17001]'; fi ;;
  events)
    echo '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":33454193,"percpu":[27743517,5710676],"kernel":20000000,"user":10},"throttling":{"periods":3,"throttled_periods":2,"throttled_time":1}},"memory":{"cache":7,"usage":{"limit":9223372036854771712,"usage":565248,"max":2244608,"failcnt":1},"swap":{"limit":1,"usage":2,"max":3,"failcnt":4},"kernel":{"usage":270336},"kernelTCP":{"limit":9223372036854771712,"failcnt":0},"raw":{"rss":53248,"hierarchical_memory_limit":18446744073709551615}},"pids":{"current":2,"limit":100},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}'
    ;;
  update) cat > "$FAKE_DIR/stdin" ;;
  exec)
    prev=""
    for a in "$@"; do
      if [ "$prev" = "--process" ]; then cp "$a" "$FAKE_DIR/process.json"; fi
      prev="$a"
    done
    ;;
  --version) echo "runc version 9.9.9"; echo "commit: fake" ;;
esac
exit 0
