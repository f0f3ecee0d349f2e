#!/usr/bin/env bash
# Memory of `mediaport serve` with its embedded parts (S3 endpoint, SQLite, tantivy, a
# worker): resident memory right after start, its peak while it ingests and analyses a
# minute of video with speech, and after its models have been idle for
# worker.models_idle_secs (20 s here). Prints a table and appends it to
# bench/results/memory-<date>.txt.
#
#   bench/memory.sh                 release build
#   BENCH_PROFILE=dev bench/memory.sh
#   BENCH_BIN=target/debug/mediaport bench/memory.sh      a binary built already
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
PROFILE=${BENCH_PROFILE:-release}
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
say() { echo "bench: $*" >&2; }
. bench/serve_common.sh
mib() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }
field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }

say "making 60 s of 720p30 video with speech"
espeak-ng -v en-us -s 160 -w "$WORK/speech.wav" -f bench/speech_text.txt
ffmpeg -v error -y -f lavfi -i "testsrc2=s=1280x720:r=30:d=60" -i "$WORK/speech.wav" -t 60 \
  -c:v libx264 -preset veryfast -c:a aac "$WORK/clip.mp4"

export MEDIAPORT__WORKER__MODELS_IDLE_SECS=20
start_server
sleep 3 # what start-up does after it answers (bucket scan, sweep) settles
start=$(field VmRSS)
say "idle after start: $(mib "$start") MiB; ingesting and analysing"
upload "$WORK/clip.mp4"
# The worker lets go of each set it loaded once idle: vision, speech and language.
for _ in $(seq 1 900); do
  [ "$(grep -c 'idle models released' "$WORK/serve.log")" -ge 3 ] && break
  sleep 1
done
[ "$(grep -c 'idle models released' "$WORK/serve.log")" -ge 3 ] || { tail -20 "$WORK/serve.log" >&2; exit 1; }
read -r _ status < <(first_asset)
sleep 1
peak=$(field VmHWM)
after=$(field VmRSS)
{
  echo "# bench/memory.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${BENCH_BIN:-$PROFILE build}, $(git rev-parse --short HEAD)"
  echo "## resident memory of mediaport serve (embedded storage, SQLite, tantivy, one worker), MiB"
  printf '%-58s %8s\n' "idle, right after start" "$(mib "$start")"
  printf '%-58s %8s\n' "peak, ingesting and analysing 60 s of 720p with speech" "$(mib "$peak")"
  printf '%-58s %8s\n' "idle again, models released after 20 s unused (asset $status)" "$(mib "$after")"
} | tee -a "bench/results/memory-$(date -u +%Y-%m-%d).txt"
