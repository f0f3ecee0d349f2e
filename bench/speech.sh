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
. bench/speech_common.sh

python3 models/fetch.py >&2
speech_peer_env

say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench speech --no-run >&2

speech_clip "$WORK"

MODEL="$MEDIAPORT_CACHE/models/whisper-tiny.en"
peer=$("$SPEECH_PEER/bin/python" bench/speech_peer.py --model "$MODEL" --clip "$WORK/clip.wav" --out "$WORK/peer.txt" --threads "$THREADS" 2>/dev/null)
ours=$(cargo bench --locked -q -p mediaport-analysis --bench speech -- "$WORK/clip.wav" "$WORK/ours.txt" 2>/dev/null)

{
  echo "# bench/speech.sh $(date -u +%Y-%m-%dT%H:%MZ) on $THREADS x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), whisper tiny.en int8 beam 5, $(git rev-parse --short HEAD)"
  echo "## $(field "$ours" audio_seconds) s of espeak-ng speech (3 voices), $THREADS threads"
  printf '%-28s %12s %12s %8s %9s\n' "stack" "audio s/s" "seconds" "WER" "segments"
  printf '%-28s %12s %12s %8s %9s\n' "faster-whisper $FW_VERSION" "$(field "$peer" speed)" "$(field "$peer" seconds)" \
    "$(python3 bench/wer.py "$WORK/reference.txt" "$WORK/peer.txt")" "$(field "$peer" segments)"
  printf '%-28s %12s %12s %8s %9s\n' "mediaport" "$(field "$ours" speed)" "$(field "$ours" seconds)" \
    "$(python3 bench/wer.py "$WORK/reference.txt" "$WORK/ours.txt")" "$(field "$ours" segments)"
} | tee -a "bench/results/speech-$(date -u +%Y-%m-%d).txt"
