#!/usr/bin/env bash
# Scenes benchmark: on a film of twelve known scenes (bench/scenes_film.py: two to four
# shots each, a sentence each, black and silence before three of them), the scene
# boundary precision, recall and F1 of Mediaport's scenes, of its shots taken as scenes,
# and of PySceneDetect's detectors (bench/scenes_peer.py), and the recall of the ad breaks;
# with the seconds each took. Prints a table and appends it to bench/results/scenes-<date>.txt.
#
#   bench/scenes.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }

python3 models/fetch.py --samples >&2
PEER_VERSION=0.7.2
PEER="$MEDIAPORT_CACHE/tools/scenedetect-$PEER_VERSION"
if [ ! -x "$PEER/bin/python" ]; then
  say "making the peer's environment (PySceneDetect $PEER_VERSION)"
  python3 -m venv "$PEER"
  "$PEER/bin/pip" install --quiet --disable-pip-version-check "scenedetect==$PEER_VERSION" \
    opencv-python==5.1.0.95 numpy==2.2.6 click==8.5.1 platformdirs==4.14.9 tqdm==4.70.1
fi

say "making the film"
python3 bench/scenes_film.py --samples "$MEDIAPORT_CACHE/models/samples" --out "$WORK/film.mp4" --truth "$WORK/truth.json"
say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench vision --no-run >&2
say "mediaport: ingest (not timed), then every default analysis"
ours=$(cargo bench --locked -q -p mediaport-analysis --bench vision -- scenes "$WORK/film.mp4" 2>/dev/null)
say "peer: PySceneDetect"
peer=$("$PEER/bin/python" bench/scenes_peer.py "$WORK/film.mp4" 2>/dev/null)

seconds=$(echo "$ours" | awk '$2 == "analyse" { for (i = 3; i <= NF; i++) if ($i ~ /^seconds=/) print substr($i, 9) }')
step=$(echo "$ours" | awk '$2 == "steps" { for (i = 3; i <= NF; i++) if ($i ~ /^scenes=/) print substr($i, 8) }')
{
  echo "# bench/scenes.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(git rev-parse --short HEAD)"
  echo "## scene boundaries of a $(python3 -c "import json; print(int(json.load(open('$WORK/truth.json'))['duration']))") s film of 12 scenes and 35 shots, within 1 s"
  printf '%s\n' "$ours" "$peer" | grep -E '^(mediaport (shot|scene|ad_break)|peer) ' | python3 bench/scenes_score.py "$WORK/truth.json"
  echo "## seconds"
  echo "mediaport scenes, chapters and ad breaks (from the other kinds' results): $step"
  echo "mediaport, every default analysis (what scenes read): $seconds"
  echo "$peer" | awk '{ sub("seconds=", "", $3); print "PySceneDetect " $2 ": " $3 }'
} | tee -a "bench/results/scenes-$(date -u +%Y-%m-%d).txt"
