#!/usr/bin/env bash
# Faces benchmark: faces found, aligned and embedded per second by Mediaport next to the
# same models and processing in Python onnxruntime (bench/faces_peer.py), on the same
# frames and thread count; then the latency of recognising a face against collections of
# 1,000 and 100,000 faces (Mediaport's vector index on SQLite next to numpy brute force).
# Prints a table and appends it to bench/results/faces-<date>.txt.
#
#   bench/faces.sh                       40 frames
#   BENCH_FRAMES=10 bench/faces.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh

FRAMES=${BENCH_FRAMES:-40}
THREADS=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }

python3 models/fetch.py --samples >&2
. bench/vision_common.sh

say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench faces --no-run >&2
run_bench() { cargo bench --locked -q -p mediaport-analysis --bench faces -- "$@" 2>/dev/null; }

# Frames as ingest makes them from 720p (960x540 JPEGs): the sample portraits in turn,
# large and small, one or two to a frame.
say "making $FRAMES frames"
mkdir -p "$WORK/frames"
S="$MEDIAPORT_CACHE/models/samples"
for i in $(seq 1 "$FRAMES"); do
  case $((i % 4)) in
    0) ffmpeg -v error -y -i "$S/obama.jpg" -vf "scale=-2:540,pad=960:540:(ow-iw)/2:0" "$WORK/frames/$(printf %06d "$i").jpg" ;;
    1) ffmpeg -v error -y -i "$S/obama2.jpg" -i "$S/biden.jpg" -filter_complex "[0]scale=-2:400[a];[1]scale=-2:400[b];[a][b]hstack,pad=960:540:(ow-iw)/2:70" "$WORK/frames/$(printf %06d "$i").jpg" ;;
    2) ffmpeg -v error -y -i "$S/obama3.jpg" -vf "scale=-2:270,pad=960:540:600:200" "$WORK/frames/$(printf %06d "$i").jpg" ;;
    3) ffmpeg -v error -y -i "$S/astronaut.png" -vf "scale=-2:540,pad=960:540:200:0" "$WORK/frames/$(printf %06d "$i").jpg" ;;
  esac
done
peer=$("$PEER/bin/python" bench/faces_peer.py --models "$MEDIAPORT_CACHE/models" --frames "$WORK/frames" --threads "$THREADS" 2>/dev/null)
ours=$(run_bench frames "$WORK/frames")
# Describing the faces found (age, gender, expression), detection not counted.
peer="$peer
$("$PEER/bin/python" bench/faces_peer.py --models "$MEDIAPORT_CACHE/models" --frames "$WORK/frames" --threads "$THREADS" --traits 2>/dev/null)"
ours="$ours
$(run_bench traits "$WORK/frames")"

for n in 1000 100000; do
  # Vectors spread like dlib's (about unit length), the same file for both.
  "$PEER/bin/python" -c "import numpy as np; np.random.default_rng(7).normal(0, 0.09, ($n, 128)).astype('<f4').tofile('$WORK/faces-$n.f32')"
  peer="$peer
$("$PEER/bin/python" bench/faces_peer.py --match "$WORK/faces-$n.f32")"
  say "loading $n faces into a collection"
  ours="$ours
$(run_bench match "$WORK/faces-$n.f32")"
done

field() { echo "$1" | awk -v a="$2" -v k="$3" '$2 == a { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
{
  echo "# bench/faces.sh $(date -u +%Y-%m-%dT%H:%MZ) on $THREADS x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), onnxruntime $ORT_VERSION, $(git rev-parse --short HEAD)"
  echo "## faces found, aligned and embedded on $FRAMES frames of 960x540 ($THREADS threads; decode included)"
  printf '%-28s %14s %14s\n' "" "Mediaport" "Python peer"
  printf '%-28s %14s %14s\n' "faces found" "$(field "$ours" faces faces)" "$(field "$peer" faces faces)"
  printf '%-28s %14s %14s\n' "frames per second" "$(field "$ours" faces fps)" "$(field "$peer" faces fps)"
  printf '%-28s %14s %14s\n' "faces per second" "$(field "$ours" faces faces_per_second)" "$(field "$peer" faces faces_per_second)"
  echo "## describing the faces found: age and gender (FaceRes), expression (mini-Xception); detection not counted"
  for k in faces faces_per_second mean_age male expressions; do
    printf '%-28s %14s %14s\n' "$k" "$(field "$ours" traits "$k")" "$(field "$peer" traits "$k")"
  done
  echo "## recognising one face (nearest of a collection, exact)"
  for n in 1000 100000; do
    printf '%-28s %14s %14s\n' "$n faces p50 ms" "$(echo "$ours" | awk -v n="$n" '$2 == "match" && $3 == "faces=" n { split($4, kv, "="); print kv[2] }')" "$(echo "$peer" | awk -v n="$n" '$2 == "match" && $3 == "faces=" n { split($4, kv, "="); print kv[2] }')"
    printf '%-28s %14s %14s\n' "$n faces p99 ms" "$(echo "$ours" | awk -v n="$n" '$2 == "match" && $3 == "faces=" n { split($5, kv, "="); print kv[2] }')" "$(echo "$peer" | awk -v n="$n" '$2 == "match" && $3 == "faces=" n { split($5, kv, "="); print kv[2] }')"
  done
  echo "$ours" | awk '$2 == "match" { print "# mediaport " $3 ": first search (loads the space) " $6 ", inserts per second " $7 }'
} | tee -a "bench/results/faces-$(date -u +%Y-%m-%d).txt"
