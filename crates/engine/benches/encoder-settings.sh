#!/usr/bin/env bash
# Time, size and fidelity (SSIM against the uncompressed frames) of x264 settings on the frames
# StoryReel composes for the render benchmark's 30-second video: the evidence for [render]'s
# default encoder settings (BENCHMARKS.md).
#
#   cargo build --release -p storyreel-cli && bash crates/engine/benches/encoder-settings.sh
#
# Needs ffmpeg and about 3 GB free in the temp folder (the raw frames).
set -euo pipefail
bin=${STORYREEL_BIN:-target/release/storyreel}
[ -x "$bin" ] || { echo "build the CLI first: cargo build --release -p storyreel-cli" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

python3 - <<'EOF'
import json
s = [{"text": f"Scene {i}: the ferry crosses the bay while the light changes over the water.",
      "duration_s": 3.45} for i in range(1, 11)]
open("bay.json", "w").write(json.dumps(s))
EOF
# An "ffmpeg" that keeps a copy of the raw frames it is given.
cat > tee-ffmpeg <<EOF
#!/bin/sh
tee "$work/frames.yuv" | ffmpeg "\$@"
EOF
chmod +x tee-ffmpeg
printf '[render]\nffmpeg = "%s/tee-ffmpeg"\n' "$work" > config.toml
export STORYREEL_DATA_DIR=$work/data STORYREEL_CONFIG=$work/config.toml
"$bin" make bay.json > /dev/null 2>&1
"$bin" render "$("$bin" list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["projects"][0]["id"])')" \
  -o first.mp4 > /dev/null 2>&1

raw=(-f rawvideo -pix_fmt yuv420p -s 1080x1920 -r 30 -i frames.yuv)
printf '%-48s %8s %9s %8s\n' "x264 settings" "time s" "size MB" "SSIM"
run() {
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  ffmpeg -v error -y "${raw[@]}" -c:v libx264 "$@" out.mp4
  t1=$(date +%s.%N)
  local ssim
  ssim=$(ffmpeg -v info -i out.mp4 "${raw[@]}" -lavfi "[0:v][1:v]ssim" -f null - 2>&1 |
    grep -o 'All:[0-9.]*' | cut -d: -f2)
  printf '%-48s %8.2f %9.1f %8s\n' "$label" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "$(stat -c %s out.mp4) / 1000000" | bc -l)" "$ssim"
}
x=bframes=3:cabac=1:8x8dct=1:deblock=1
run "veryfast crf 20" -preset veryfast -crf 20
run "veryfast crf 23" -preset veryfast -crf 23
run "superfast crf 23" -preset superfast -crf 23
run "ultrafast crf 23" -preset ultrafast -crf 23
run "ultrafast + bframes=3 crf 23" -preset ultrafast -crf 23 -x264-params bframes=3
run "ultrafast + $x crf 23" -preset ultrafast -crf 23 -x264-params $x
run "ultrafast + $x crf 25 (default)" -preset ultrafast -crf 25 -x264-params $x
