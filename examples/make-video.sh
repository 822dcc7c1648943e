#!/usr/bin/env bash
# The main job on a fresh Debian or Ubuntu machine with only Rust installed: installs the two
# programs the video needs when they are missing (ffmpeg encodes it, espeak-ng narrates it),
# then makes a narrated, subtitled video of an example story, offline, with no config.
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

exec cargo run --release -p storyreel-cli -- make "$story" -o "$video"
