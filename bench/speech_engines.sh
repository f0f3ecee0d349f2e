#!/usr/bin/env bash
# Whisper engines, measured before choosing: the same tiny.en weights on CTranslate2
# (ct2rs, int8 and float32: what Mediaport runs) and on candle-transformers (float32,
# the weights read out of CTranslate2's model.bin by bench/ct2_whisper_to_safetensors.py),
# with faster-whisper as the Python peer. Every stack decodes the bench/speech.sh clip the
# same simple way: 30 s windows one after another, greedy, no timestamps. Prints seconds of
# audio per second and word error rate, and appends them to bench/results/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
. bench/speech_common.sh

python3 models/fetch.py >&2
speech_peer_env
MODEL="$MEDIAPORT_CACHE/models/whisper-tiny.en"
CANDLE="$MEDIAPORT_CACHE/bench/whisper-tiny.en-candle"
if [ ! -s "$CANDLE/config.json" ] || [ "$CANDLE/config.json" -ot "$MODEL/model.bin" ]; then
  say "converting $MODEL to float32 safetensors for candle"
  mkdir -p "$CANDLE"
  "$SPEECH_PEER/bin/python" bench/ct2_whisper_to_safetensors.py "$MODEL" "$CANDLE/model.safetensors" "$CANDLE/config.json.part"
  mv "$CANDLE/config.json.part" "$CANDLE/config.json"
fi

say "building the benchmark (release, with candle)"
cargo bench --locked -p mediaport-analysis --features candle-bench --bench speech_engines --no-run >&2

speech_clip "$WORK"
peer=$("$SPEECH_PEER/bin/python" bench/speech_peer.py --greedy-windows --model "$MODEL" --clip "$WORK/clip.wav" \
  --out "$WORK/peer.txt" --threads "$THREADS" 2>/dev/null)
engines=$(cargo bench --locked -q -p mediaport-analysis --features candle-bench --bench speech_engines -- \
  "$MODEL" "$CANDLE/model.safetensors" "$CANDLE/config.json" "$WORK/clip.wav" "$WORK/out" 2>/dev/null)

{
  echo "# bench/speech_engines.sh $(date -u +%Y-%m-%dT%H:%MZ) on $THREADS x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), whisper tiny.en, greedy 30 s windows, $(git rev-parse --short HEAD)"
  echo "## $(field "$peer" audio_seconds) s of espeak-ng speech (3 voices), $THREADS threads"
  printf '%-32s %12s %12s %8s\n' "stack" "audio s/s" "seconds" "WER"
  printf '%-32s %12s %12s %8s\n' "faster-whisper $FW_VERSION (int8)" "$(field "$peer" speed)" "$(field "$peer" seconds)" \
    "$(python3 bench/wer.py "$WORK/reference.txt" "$WORK/peer.txt")"
  while read -r line; do
    name=$(echo "$line" | awk '{ print $2 }')
    printf '%-32s %12s %12s %8s\n' "$name" "$(field "$line" speed)" "$(field "$line" seconds)" \
      "$(python3 bench/wer.py "$WORK/reference.txt" "$WORK/out-$name.txt")"
  done <<< "$engines"
} | tee -a "bench/results/speech-engines-$(date -u +%Y-%m-%d).txt"
