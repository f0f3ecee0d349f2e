#!/usr/bin/env bash
# End to end: an hour of 1080p30 video with speech uploaded to `mediaport serve` with its
# defaults, as a new user would, timed from the end of the upload to `ready` (ingest, then
# the default analysis). The film (bench/programme.sh) repeats a one-minute programme of
# six ten-second shots (portraits with captions, a test card, people side by side, moving
# patterns) under film grain at 8 Mb/s, with a narration every five minutes. Prints the
# times and what the analysis found (shots, labels, text, faces, the transcript's word
# error rate per narration) and appends them to bench/results/hour-<date>.txt.
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
. bench/programme.sh
FILM=$(programme "$MINUTES")

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
