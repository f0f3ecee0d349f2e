#!/usr/bin/env bash
# Every benchmark in one run, then one table: each capability's figure in Mediaport next
# to its peer's from the same run on the same machine, the ratio (above 1: Mediaport is
# ahead), then the end-to-end hour, the cost of an hour of video, and the quality scores
# the run measured. Each bench's own output is kept in bench/results/all-<stamp>/; the
# table is printed and written to bench/results/all-<stamp>.txt (README's Figures).
#
#   bench/all.sh                                   everything, about 100 minutes on 2 cores
#   BENCH_ONLY="ingest vision" bench/all.sh        some of them
#   BENCH_PRICE=0.0832 BENCH_PRICE_NAME="..." bench/all.sh   another machine's price
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
say() { echo "bench: $*" >&2; }

ALL="ingest vision faces speech language search upload stats memory hour"
ONLY=${BENCH_ONLY:-$ALL}
# The machine the cost is figured for: 2 vCPUs on demand, as this one (AMD EPYC with
# AVX-512, one core per vCPU). Prices change and this machine cannot read AWS's price list:
# the name says where the figure came from and when; BENCH_PRICE takes today's.
PRICE=${BENCH_PRICE:-0.10264}
PRICE_NAME=${BENCH_PRICE_NAME:-"AWS EC2 c7a.large (2 vCPU, 4 GiB), Linux on demand in us-east-1, \$0.10264/h: AWS's list price as we knew it on 2026-12-04"}
# Media2Cloud's own estimate of what analysing an hour of video costs on AWS.
MEDIA2CLOUD_PER_HOUR=121

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
OUT=bench/results/all-$STAMP
mkdir -p "$OUT"

# Build once: every bench that runs the server takes this binary.
say "building mediaport (release)"
cargo build --locked --release -p mediaport-cli >&2
export BENCH_BIN=$ROOT/target/release/mediaport

for bench in $ONLY; do
  say "bench/$bench.sh (output in $OUT/$bench.txt)"
  began=$(date +%s)
  if ! "bench/$bench.sh" >"$OUT/$bench.txt" 2>"$OUT/$bench.log"; then
    say "bench/$bench.sh failed: see $OUT/$bench.log"
  fi
  echo "$bench $(($(date +%s) - began))" >>"$OUT/seconds"
done

# Field `n` (counting from the end when negative) of the first line of a bench's output
# matching `pattern`.
pick() {
  local bench=$1 pattern=$2 n=$3
  [ -f "$OUT/$bench.txt" ] || return 0
  awk -v p="$pattern" -v n="$n" '$0 ~ p { print (n < 0 ? $(NF + n + 1) : $n); exit }' "$OUT/$bench.txt"
}
# key=value from the first matching line.
keyed() {
  local bench=$1 pattern=$2 key=$3
  [ -f "$OUT/$bench.txt" ] || return 0
  awk -v p="$pattern" -v k="$key" '$0 ~ p { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } } }' "$OUT/$bench.txt"
}
# Mediaport / peer, or peer / Mediaport for figures where less is better.
ratio() {
  local ours=$1 theirs=$2 better=${3:-higher}
  [ -n "$ours" ] && [ -n "$theirs" ] || { echo "-"; return; }
  if [ "$better" = higher ]; then awk "BEGIN { printf \"%.2f\", $ours / $theirs }"; else awk "BEGIN { printf \"%.2f\", $theirs / $ours }"; fi
}
row() { printf '%-46s %11s %11s %7s  %s\n' "$1" "${2:--}" "${3:--}" "$4" "$5"; }

{
  echo "# bench/all.sh $STAMP on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/^Mem/ { print $2 }') GiB, $(git rev-parse --short HEAD)"
  echo "## each figure next to its peer's from the same run; ratio above 1: Mediaport ahead"
  row "measure" "Mediaport" "peer" "ratio" "peer"
  m=$(pick ingest '^mediaport, both hashes of the file' -1); p=$(pick ingest '^md5sum +[0-9]' -1)
  row "fixity, MD5 + SHA-256 of 2 GiB, MB/s" "$m" "$p" "$(ratio "$m" "$p")" "md5sum alone"
  m=$(pick ingest '^mediaport ingest stage' -2); p=$(pick ingest '^bare ffmpeg, one run' -2)
  row "ingest of a minute of 1080p30, s" "$m" "$p" "$(ratio "$m" "$p" lower)" "bare ffmpeg, one run"
  for a in labels moderation ocr; do
    m=$(pick vision "^$a " 3); p=$(pick vision "^$a " 2)
    row "$a, frames/s (960x540)" "$m" "$p" "$(ratio "$m" "$p")" "Python onnxruntime"
  done
  m=$(pick faces '^faces per second' -2); p=$(pick faces '^faces per second' -1)
  row "faces found and embedded, faces/s" "$m" "$p" "$(ratio "$m" "$p")" "Python onnxruntime"
  m=$(pick faces '^100000 faces p50' -2); p=$(pick faces '^100000 faces p50' -1)
  row "recognising a face among 100,000, p50 ms" "$m" "$p" "$(ratio "$m" "$p" lower)" "numpy"
  m=$(pick speech '^mediaport' 2); p=$(pick speech '^faster-whisper' 3)
  row "speech, seconds of audio per second" "$m" "$p" "$(ratio "$m" "$p")" "faster-whisper"
  m=$(pick language '^mediaport' 2); p=$(pick language '^Python onnxruntime' -3)
  row "sentence vectors (MiniLM), sentences/s" "$m" "$p" "$(ratio "$m" "$p")" "Python onnxruntime"
  m=$(pick language '^mediaport' 3); p=$(pick language '^Python onnxruntime' -2)
  row "entities (Rampart), sentences/s" "$m" "$p" "$(ratio "$m" "$p")" "Python onnxruntime"
  m=$(pick search '^assets per second' -2); p=$(pick search '^assets per second' -1)
  row "search index build, assets/s" "$m" "$p" "$(ratio "$m" "$p")" "SQLite FTS5"
  m=$(pick search '^all, 1 client' 4); p=$(pick search '^all, 1 client' 7)
  row "search, query mix p50 ms (100,000 assets)" "$m" "$p" "$(ratio "$m" "$p" lower)" "SQLite FTS5"
  m=$(pick upload '^mediaport ingest --jobs 4 +embedded' -3); p=$(pick upload '^boto3 upload_file +embedded' -3)
  row "upload of 1 GiB, MiB/s" "$m" "$p" "$(ratio "$m" "$p")" "boto3"
  m=$(keyed stats '^mediaport stats' p50_ms); p=$(keyed stats '^sqlite3 stats' p50_ms)
  row "stats of 100,000 assets, p50 ms" "$m" "$p" "$(ratio "$m" "$p" lower)" "Python sqlite3"

  echo "## alone (no peer runs the same job)"
  stage=$(pick vision '^media_seconds=' 0)
  row "visual analysis, 10 min of 720p test card, x real time" "$(keyed vision '^media_seconds=' realtime)" "" "" "worst case"
  row "all analysis, 10 min of 720p programme, x real time" "$(keyed vision '^programme media_seconds=' realtime)" "" "" "target 6"
  row "serve idle memory, MiB" "$(pick memory '^idle, right after start' -1)" "" "" "target 150"
  row "serve idle memory after work, MiB" "$(pick memory '^idle again' -1)" "" "" ""
  row "serve peak memory, MiB" "$(pick memory '^peak' -1)" "" "" ""
  whole=$(pick hour '^whole' 2)
  if [ -n "$whole" ]; then
    minutes=$(awk '/^## [0-9]+ minutes/ { print $2; exit }' "$OUT/hour.txt")
    row "$minutes min of 1080p30 with speech: ingest, s" "$(pick hour '^ingest' -1)" "" "" ""
    row "$minutes min of 1080p30 with speech: analysis, s" "$(pick hour '^analysis' -1)" "" "" ""
    row "$minutes min of 1080p30 with speech: whole, s" "$whole" "" "" "target $((minutes * 60 / 3)) (3x real time)"
    cost=$(awk "BEGIN { printf \"%.3f\", $whole / 3600 * $PRICE * 60 / $minutes }")
    echo "## cost of an hour of video, whole pipeline on one machine: \$$cost"
    echo "##   at $PRICE_NAME; Media2Cloud's own estimate: \$$MEDIA2CLOUD_PER_HOUR per hour of video analysed"
  fi

  echo "## quality, measured in the same run"
  [ -n "$stage" ] && echo "vision stage found: $(echo "$stage" | tr ' ' '\n' | grep -E '^(label|text|shot|entity|face|moderation)=' | xargs)"
  stage=$(pick vision '^programme media_seconds=' 0)
  [ -n "$stage" ] && echo "programme analysis found: $(echo "$stage" | tr ' ' '\n' | grep -E '^(label|text|shot|face|face_match|transcript|keyphrase|entity)=' | xargs)"
  m=$(pick speech '^mediaport' -2); p=$(pick speech '^faster-whisper' -2)
  [ -n "$m" ] && echo "speech word error rate: mediaport $m, faster-whisper $p"
  m=$(pick faces '^faces found' -2); p=$(pick faces '^faces found' -1)
  [ -n "$m" ] && echo "faces found on the bench frames: mediaport $m, Python peer $p"
  [ -f "$OUT/hour.txt" ] && grep -E '^## (found|transcript)' "$OUT/hour.txt" | sed 's/^## /hour: /'
  echo "## seconds each bench took: $(xargs <"$OUT/seconds")"
} | tee "$OUT.txt"
