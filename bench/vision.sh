#!/usr/bin/env bash
# Vision benchmark: frames per second of each analysis (labels, moderation, on-screen text) in
# Mediaport next to the same models run by Python onnxruntime with the same pre- and
# post-processing (bench/vision_peer.py, the stack Immich uses), on the same frames and
# thread count; then the real-time factor of the whole visual analysis (shots, text,
# moderation) of a 10-minute 720p test card at one frame a second (the worst case: every
# frame moves, with a dozen text-like regions), and of every default analysis of 10
# minutes of a programme at 720p (bench/programme.sh). Prints a table and appends
# it to bench/results/vision-<date>.txt.
#
#   bench/vision.sh                          60 frames, 600 s of video
#   BENCH_FRAMES=20 BENCH_VIDEO_SECS=60 bench/vision.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh

FRAMES=${BENCH_FRAMES:-60}
VIDEO_SECS=${BENCH_VIDEO_SECS:-600}
THREADS=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }

python3 models/fetch.py >&2
. bench/vision_common.sh

say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench vision --no-run >&2
run_bench() { cargo bench --locked -q -p mediaport-analysis --bench vision -- "$@" 2>/dev/null; }

# Frames as ingest makes them from 720p: 960x540 JPEGs, a caption and a test pattern.
say "making $FRAMES frames"
mkdir -p "$WORK/frames"
ffmpeg -v error -y -f lavfi -i "testsrc2=s=1280x720:r=25:d=$FRAMES" \
  -vf "drawtext=text='EVENING NEWS %{pts\:hms}':x=60:y=600:fontsize=44:fontcolor=white:box=1:boxcolor=black@0.6,fps=1:round=up,scale=960:540" \
  -q:v 3 "$WORK/frames/%06d.jpg"
peer=$("$PEER/bin/python" bench/vision_peer.py --models "$MEDIAPORT_CACHE/models" --frames "$WORK/frames" --threads "$THREADS" 2>/dev/null)
# The labels peer at Mediaport's default score threshold.
peer="$peer
$("$PEER/bin/python" bench/labels_peer.py --models "$MEDIAPORT_CACHE/models" --threads "$THREADS" --score 0.25 "$WORK"/frames/*.jpg 2>/dev/null | grep '^peer ')"
ours=$(run_bench frames "$WORK/frames")

say "making $VIDEO_SECS s of 720p25 video with cuts and captions"
ffmpeg -v error -y -f lavfi -i "testsrc2=s=1280x720:r=25:d=$VIDEO_SECS" \
  -vf "hue=h=t*37:enable='gt(mod(t,20),10)',drawtext=text='SCENE %{eif\:floor(t/10)\:d}':x=80:y=80:fontsize=56:fontcolor=white:box=1:boxcolor=black@0.6" \
  -c:v libx264 -preset ultrafast -crf 28 "$WORK/film.mp4"
say "mediaport analysis stage (ingest first, not timed)"
stage=$(run_bench analyse "$WORK/film.mp4")

# The same stage on a programme (bench/programme.sh: portraits, captions, a test card,
# moving patterns, a narration) at 720p, every default analysis on, the transcript too.
. bench/programme.sh
minutes=$(((VIDEO_SECS + 59) / 60))
SMALL=$MEDIAPORT_CACHE/bench/programme-720p30-${minutes}min.mp4
if [ ! -s "$SMALL" ]; then
  say "making $minutes minutes of the programme at 720p"
  ffmpeg -v error -y -i "$(programme "$minutes")" -vf scale=-2:720 -c:v libx264 -preset veryfast -b:v 4M \
    -c:a copy -movflags +faststart -f mp4 "$SMALL.part"
  mv "$SMALL.part" "$SMALL"
fi
say "mediaport analysis stage of the programme (ingest first, not timed)"
programme_stage=$(run_bench analyse "$SMALL")

field() { echo "$1" | awk -v a="$2" -v k="$3" '$2 == a { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
{
  echo "# bench/vision.sh $(date -u +%Y-%m-%dT%H:%MZ) on $THREADS x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), onnxruntime $ORT_VERSION, $(git rev-parse --short HEAD)"
  echo "## frames per second on $FRAMES frames of 960x540 ($THREADS threads; decode, pre- and post-processing included)"
  printf '%-34s %12s %12s\n' "analysis" "python peer" "mediaport"
  for a in labels moderation ocr; do
    printf '%-34s %12s %12s\n' "$a" "$(field "$peer" "$a" fps)" "$(field "$ours" "$a" fps)"
  done
  echo "## whole visual analysis (shots, labels, text, moderation) of $VIDEO_SECS s of 720p at 1 frame/s"
  echo "$stage" | awk '{ for (i = 3; i <= NF; i++) printf "%s ", $i; print "" }'
  echo "## every default analysis (transcript too) of $minutes minutes of the programme at 720p30, 1 frame/s"
  echo "$programme_stage" | awk '{ printf "programme "; for (i = 3; i <= NF; i++) printf "%s ", $i; print "" }'
} | tee -a "bench/results/vision-$(date -u +%Y-%m-%d).txt"
