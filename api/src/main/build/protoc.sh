#!/usr/bin/env bash
# Runs protoc (fetched from Maven Central by the build) over the api's .proto files with the
# Java generator and our ttrpc plugin. Called by exec-maven-plugin in generate-sources.
# Args: PROTOC_DIR PROTO_SRC OUT_DIR JAVA
set -euo pipefail
protoc_dir=$1 proto_src=$2 out=$3 java=$4

chmod +x "$protoc_dir/protoc.exe"   # Maven copies artifacts without the exec bit
plugin="$protoc_dir/protoc-gen-ttrpc"
cat > "$plugin" <<SH
#!/bin/sh
exec "$java" -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$(cat "$protoc_dir/codegen.classpath")" dev.shim4j.ttrpc.codegen.TtrpcProtocPlugin
SH
chmod +x "$plugin"

rm -rf "$out" && mkdir -p "$out"
mapfile -t protos < <(cd "$proto_src" && find . -name '*.proto' | sed 's|^\./||' | sort)
"$protoc_dir/protoc.exe" \
  --proto_path="$proto_src" --proto_path="$protoc_dir/include" \
  --plugin=protoc-gen-ttrpc="$plugin" \
  --java_out="$out" --ttrpc_out="$out" \
  "${protos[@]}"
