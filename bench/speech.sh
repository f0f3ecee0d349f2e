#!/usr/bin/env bash
# Speech benchmark: seconds of audio transcribed per second, and word error rate, of
# Mediaport's Whisper (tiny.en on CTranslate2 through ct2rs) next to the Python
# faster-whisper package on the same model files, clip, thread count and settings (beam 5,
# English, int8). The clip is bench/speech_text.txt spoken by espeak-ng in three voices
# (about 5 minutes). Prints a table and appends it to bench/results/speech-<date>.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh

THREADS=$(nproc)
FW_VERSION=1.2.1
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }

python3 models/fetch.py >&2
PEER="$MEDIAPORT_CACHE/tools/speech-peer-fw$FW_VERSION"
if [ ! -x "$PEER/bin/python" ]; then
  say "making the Python peer's environment (faster-whisper $FW_VERSION)"
  python3 -m venv "$PEER"
  "$PEER/bin/pip" install --quiet --disable-pip-version-check "faster-whisper==$FW_VERSION"
fi

say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench speech --no-run >&2

say "speaking bench/speech_text.txt in three voices"
parts=()
for voice in en en-us en+f3; do
  espeak-ng -v "$voice" -s 150 -f bench/speech_text.txt -w "$WORK/$voice.wav"
  parts+=(-i "$WORK/$voice.wav")
done
ffmpeg -v error -y "${parts[@]}" -filter_complex "[0][1][2]concat=n=3:v=0:a=1" -ar 16000 -ac 1 "$WORK/clip.wav"
for _ in 1 2 3; do cat bench/speech_text.txt; done > "$WORK/reference.txt"

MODEL="$MEDIAPORT_CACHE/models/whisper-tiny.en"
peer=$("$PEER/bin/python" bench/speech_peer.py --model "$MODEL" --clip "$WORK/clip.wav" --out "$WORK/peer.txt" --threads "$THREADS" 2>/dev/null)
ours=$(cargo bench --locked -q -p mediaport-analysis --bench speech -- "$WORK/clip.wav" "$WORK/ours.txt" 2>/dev/null)

field() { echo "$1" | awk -v k="$2" '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
{
  echo "# bench/speech.sh $(date -u +%Y-%m-%dT%H:%MZ) on $THREADS x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), whisper tiny.en int8 beam 5, $(git rev-parse --short HEAD)"
  echo "## $(field "$ours" audio_seconds) s of espeak-ng speech (3 voices), $THREADS threads"
  printf '%-28s %12s %12s %8s %9s\n' "stack" "audio s/s" "seconds" "WER" "segments"
  printf '%-28s %12s %12s %8s %9s\n' "faster-whisper $FW_VERSION" "$(field "$peer" speed)" "$(field "$peer" seconds)" \
    "$(python3 bench/wer.py "$WORK/reference.txt" "$WORK/peer.txt")" "$(field "$peer" segments)"
  printf '%-28s %12s %12s %8s %9s\n' "mediaport" "$(field "$ours" speed)" "$(field "$ours" seconds)" \
    "$(python3 bench/wer.py "$WORK/reference.txt" "$WORK/ours.txt")" "$(field "$ours" segments)"
} | tee -a "bench/results/speech-$(date -u +%Y-%m-%d).txt"
