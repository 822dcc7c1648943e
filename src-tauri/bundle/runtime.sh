#!/usr/bin/env bash
# Before the .deb is bundled: builds the `storyreel` command it carries, and fetches ONNX
# Runtime's library (the neural voices' inference runtime) through StoryReel's own voice
# library, so it is the catalogue's version, checked against the catalogue's SHA-256. The
# package installs it as /usr/lib/storyreel/libonnxruntime.so.1, where StoryReel looks first.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p storyreel-cli
staging="target/bundle-runtime"
rm -rf "$staging"
target/release/storyreel --data-dir "$staging" voices install onnxruntime
cp "$staging/voices/onnxruntime/libonnxruntime.so.1" target/release/libonnxruntime.so.1
