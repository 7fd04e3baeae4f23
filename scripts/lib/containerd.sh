# A private containerd for scripts (sourced, not run): its own root, state and sockets in a short
# temp dir and its own namespace, so the host's containerd (if any) is never touched; plus the
# busybox OCI image built from /bin/busybox (no registry). The same recipe as scripts/demo.
#
#   cd_start            starts containerd; sets cd_work cd_address cd_namespace cd_pid
#   cd_ctr ARGS...      ctr against it
#   cd_busybox_image    builds and imports the image; prints its ref
#   cd_shim_pids        pids of the shims serving it (they carry -address $cd_address)
#   cd_remove_all       kills and deletes every task and container of the namespace
#   cd_stop             all of the above undone: containerd, shims, mounts, runc state, dir
# Needs root, containerd, ctr, runc, /bin/busybox (busybox-static).

cd_work=""
cd_address=""
cd_namespace=""
cd_pid=""

cd_ctr() { ctr --address "$cd_address" --namespace "$cd_namespace" "$@"; }

cd_start() {
  # A short dir: containerd's sockets live in it and must fit the 108-byte socket path limit.
  cd_work=$(mktemp -d /tmp/s4j-cd-XXXXXX)
  cd_address=$cd_work/c.sock
  cd_namespace=s4j-bench-$$
  cat > "$cd_work/config.toml" <<TOML
version = 2
root = "$cd_work/root"
state = "$cd_work/state"
# Only what a ctr run needs: no CRI, no exotic snapshotters, nothing written to /opt.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.opt",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$cd_address"
[ttrpc]
  address = "$cd_address.ttrpc"
TOML
  containerd --config "$cd_work/config.toml" > "$cd_work/containerd.log" 2>&1 < /dev/null &
  cd_pid=$!
  local _
  for _ in $(seq 200); do
    ctr --address "$cd_address" version > /dev/null 2>&1 && return 0
    kill -0 "$cd_pid" 2>/dev/null || { echo "containerd exited; its log:" >&2; tail -20 "$cd_work/containerd.log" >&2; return 1; }
    sleep 0.1
  done
  echo "containerd did not answer within 20 s" >&2
  return 1
}

# blob FILE DIR -> stores FILE as a blob of the OCI layout DIR, prints "DIGEST SIZE"
cd_blob() {
  local digest size
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$2/blobs/sha256/$digest"
  echo "$digest $size"
}

cd_busybox_image() {
  local image=docker.io/shim4j/busybox:bench dir=$cd_work/image arch applet
  local rootfs=$dir/rootfs oci=$dir/oci
  local layer_digest layer_size config_digest config_size manifest_digest manifest_size
  mkdir -p "$rootfs"/{bin,etc,dev,proc,sys,tmp,root} "$oci/blobs/sha256"
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
  echo 'root:x:0:' > "$rootfs/etc/group"
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$rootfs" -cf "$dir/layer.tar" .
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  read -r layer_digest layer_size < <(cd_blob "$dir/layer.tar" "$oci")
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$layer_digest" > "$dir/config.json"
  read -r config_digest config_size < <(cd_blob "$dir/config.json" "$oci")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" > "$dir/manifest.json"
  read -r manifest_digest manifest_size < <(cd_blob "$dir/manifest.json" "$oci")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s"}}]}' \
    "$manifest_digest" "$manifest_size" "$arch" "$image" > "$oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
  tar -C "$oci" -cf "$dir/busybox-oci.tar" oci-layout index.json blobs
  cd_ctr images import "$dir/busybox-oci.tar" > /dev/null
  echo "$image"
}

# Shims outlive containerd (own session): ours are the ones given our socket as -address.
cd_shim_pids() {
  [ -n "$cd_address" ] || return 0
  grep -lzx -- "$cd_address" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 || true
}

cd_remove_all() {
  local id errexit=$-
  set +e
  for id in $(cd_ctr tasks ls -q 2>/dev/null); do
    timeout 20 ctr --address "$cd_address" --namespace "$cd_namespace" tasks kill --all -s SIGKILL "$id" >/dev/null 2>&1
    timeout 20 ctr --address "$cd_address" --namespace "$cd_namespace" tasks delete --force "$id" >/dev/null 2>&1
  done
  for id in $(cd_ctr containers ls -q 2>/dev/null); do
    timeout 20 ctr --address "$cd_address" --namespace "$cd_namespace" containers delete "$id" >/dev/null 2>&1
  done
  [[ $errexit == *e* ]] && set -e
  return 0
}

cd_stop() {
  local pid m cg _
  [ -n "$cd_work" ] || return 0
  set +e   # best effort, also when called from an EXIT trap under errexit
  if [ -n "$cd_pid" ] && kill -0 "$cd_pid" 2>/dev/null; then
    cd_remove_all
    kill -TERM "$cd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$cd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$cd_pid" 2>/dev/null
    wait "$cd_pid" 2>/dev/null
  fi
  for pid in $(cd_shim_pids); do kill -KILL "$pid" 2>/dev/null; done
  # Unmount whatever is left under the work dir, deepest first.
  awk -v w="$cd_work" 'index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  rm -rf "/run/containerd/runc/$cd_namespace"
  for cg in /sys/fs/cgroup/"$cd_namespace" /sys/fs/cgroup/*/"$cd_namespace"; do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$cd_work"
  cd_work=""
  return 0
}
