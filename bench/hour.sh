#!/usr/bin/env bash
# End to end: an hour of 1080p30 video with speech uploaded to `mediaport serve` with its
# defaults, as a new user would, timed from the end of the upload to `ready` (ingest, then
# the default analysis). The film repeats a one-minute programme of six ten-second shots
# (portraits with captions, a test card, people side by side, moving patterns) under film
# grain at 8 Mb/s, with a narration (bench/speech_text.txt read by espeak-ng, then
# silence) every five minutes. Prints the times and what the analysis found (shots,
# labels, text, faces, the transcript's word error rate per narration) and appends them
# to bench/results/hour-<date>.txt.
#
#   bench/hour.sh                         60 minutes, release build
#   BENCH_MINUTES=5 bench/hour.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
PROFILE=${BENCH_PROFILE:-release}
MINUTES=${BENCH_MINUTES:-60}
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
say() { echo "bench: $*" >&2; }
. bench/serve_common.sh
FILM=$MEDIAPORT_CACHE/bench/programme-1080p30-${MINUTES}min.mp4

# One shot of ten seconds at 1080p30 from a filter graph's [v], under moving grain.
shot() {
  local out=$1 inputs=$2 graph=$3
  # shellcheck disable=SC2086
  ffmpeg -v error -y $inputs -filter_complex "$graph;[v]noise=alls=6:allf=t,format=yuv420p[out]" -map "[out]" \
    -t 10 -r 30 -c:v libx264 -preset veryfast -b:v 8M -maxrate 8M -bufsize 16M -g 60 "$out"
}

caption() { echo "drawtext=text='$1':x=120:y=880:fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=16"; }

make_film() {
  mkdir -p "$(dirname "$FILM")" "$WORK/shots"
  local s=$SAMPLES still="-loop 1 -framerate 30 -t 10 -i"
  say "making the one-minute programme (six shots)"
  shot "$WORK/shots/1.mp4" "$still $s/obama.jpg" \
    "[0]scale=-2:1080,pad=1920:1080:(ow-iw)/2:0,$(caption 'THE PRESIDENT SPEAKS')[v]"
  shot "$WORK/shots/2.mp4" "-f lavfi -i testsrc2=s=1920x1080:r=30:d=10" \
    "[0]$(caption 'EVENING NEWS %{pts\:hms}')[v]"
  shot "$WORK/shots/3.mp4" "$still $s/obama2.jpg $still $s/biden.jpg" \
    "[0]scale=-2:800[a];[1]scale=-2:800[b];[a][b]hstack,pad=1920:1080:(ow-iw)/2:140,$(caption 'TWO LEADERS MEET')[v]"
  shot "$WORK/shots/4.mp4" "$still $s/astronaut.png" \
    "[0]scale=-2:1080,pad=1920:1080:300:0,$(caption 'A WALK IN SPACE')[v]"
  shot "$WORK/shots/5.mp4" "-f lavfi -i mandelbrot=s=1920x1080:r=30" "[0]null[v]"
  shot "$WORK/shots/6.mp4" "$still $s/coffee.png $still $s/chelsea.png" \
    "[0]scale=-2:1080[a];[1]scale=-2:1080[b];[a][b]hstack,scale=1920:-2,pad=1920:1080:0:(oh-ih)/2[v]"
  printf "file '%s'\n" "$WORK"/shots/{1,2,3,4,5,6}.mp4 >"$WORK/shots.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$WORK/shots.txt" -c copy "$WORK/programme.mp4"
  say "making the narration"
  espeak-ng -v en-us -s 160 -w "$WORK/speech.wav" -f bench/speech_text.txt
  ffmpeg -v error -y -i "$WORK/speech.wav" -af "apad=whole_dur=300" -ar 48000 -ac 2 "$WORK/narration.wav"
  say "making $MINUTES minutes of it"
  ffmpeg -v error -y -stream_loop -1 -i "$WORK/programme.mp4" -stream_loop -1 -i "$WORK/narration.wav" \
    -t "$((MINUTES * 60))" -map 0:v -map 1:a -c:v copy -c:a aac -b:a 128k -movflags +faststart -f mp4 "$FILM.part"
  mv "$FILM.part" "$FILM"
}
[ -s "$FILM" ] || make_film

start_server
say "uploading $(du -h "$FILM" | cut -f1) ($MINUTES minutes of 1080p30)"
upload "$FILM"
began=$(date +%s.%N)
ingested=
while :; do
  read -r id status < <(first_asset)
  now=$(date +%s.%N)
  case $status in
    analysing) [ -z "$ingested" ] && ingested=$now && say "ingested in $(awk "BEGIN { printf \"%.0f\", $now - $began }") s" ;;
    ready) break ;;
    failed) api "/api/assets/$id" >&2; exit 1 ;;
  esac
  sleep 2
done
ended=$(date +%s.%N)
say "ready $(awk "BEGIN { printf \"%.0f\", $ended - $began }") s after the upload"
api "/api/assets/$id" >"$WORK/asset.json"
api "/api/assets/$id/analysis/transcript" >"$WORK/transcript.json"

# The transcript's word error rate on each five-minute narration.
wer=$(python3 - "$WORK/transcript.json" bench/speech_text.txt <<'PY'
import json, subprocess, sys, tempfile
items = json.load(open(sys.argv[1]))["items"]
rates = []
for n in range(len({int(i["timecodes"][0]["begin"] // 300_000) for i in items})):
    said = " ".join(i["name"] for i in sorted(items, key=lambda i: i["timecodes"][0]["begin"])
                    if i["timecodes"][0]["begin"] // 300_000 == n)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write(said)
        f.flush()
        rates.append(float(subprocess.check_output(["python3", "bench/wer.py", sys.argv[2], f.name])))
print(f"{100 * sum(rates) / max(len(rates), 1):.1f} % (mean of {len(rates)}, worst {100 * max(rates, default=0):.1f} %)")
PY
)
found=$(python3 - "$WORK/asset.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["analysis"]
print(" ".join(f"{k}={v.get('count', 0)}" for k, v in sorted(a.items())))
PY
)
calc() { awk "BEGIN { printf \"%.0f\", $1 }"; }
total=$(calc "$ended - $began")
{
  echo "# bench/hour.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${BENCH_BIN:-$PROFILE build}, $(git rev-parse --short HEAD)"
  echo "## $MINUTES minutes of 1080p30 with speech, mediaport serve with its defaults: seconds"
  printf '%-40s %8s\n' "ingest (upload done to analysing)" "$(calc "$ingested - $began")"
  printf '%-40s %8s\n' "analysis (analysing to ready)" "$(calc "$ended - $ingested")"
  printf '%-40s %8s  %s x real time\n' "whole" "$total" "$(awk "BEGIN { printf \"%.2f\", $MINUTES * 60 / $total }")"
  echo "## found: $found"
  echo "## transcript word error rate: $wer"
} | tee -a "bench/results/hour-$(date -u +%Y-%m-%d).txt"
