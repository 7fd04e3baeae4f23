#!/usr/bin/env bash
# Runs protoc (fetched from Maven Central by the build) over the CRI .proto with the Java
# generator and grpc-java's generator (also from Maven Central). Called by exec-maven-plugin in
# generate-sources. Args: PROTOC_DIR PROTO_SRC OUT_DIR
set -euo pipefail
protoc_dir=$1 proto_src=$2 out=$3

chmod +x "$protoc_dir/protoc.exe" "$protoc_dir/protoc-gen-grpc-java.exe"  # Maven drops the exec bit
rm -rf "$out" && mkdir -p "$out"
mapfile -t protos < <(cd "$proto_src" && find . -name '*.proto' | sed 's|^\./||' | sort)
"$protoc_dir/protoc.exe" \
  --proto_path="$proto_src" \
  --plugin=protoc-gen-grpc-java="$protoc_dir/protoc-gen-grpc-java.exe" \
  --java_out="$out" --grpc-java_out="$out" \
  "${protos[@]}"
