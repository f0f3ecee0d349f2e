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

  # Hot words: rare names spoken, transcribed without and with them as hot words.
  names=("Siobhan Nakagawa" "Kraków" "Jarosław Wójcik")
  espeak-ng -s 150 -w "$WORK/names.wav" "Our correspondent Siobhan Nakagawa reports from Kraków, where the mayor, Jarosław Wójcik, opened the new bridge."
  printf '%s\n' "${names[@]}" > "$WORK/names.txt"
  cargo bench --locked -q -p mediaport-analysis --bench speech -- names "$WORK/names.wav" "$WORK/names.txt" \
    "$WORK/ours-plain.txt" "$WORK/ours-hinted.txt" 2>/dev/null
  for hint in "" "$(IFS=,; echo "${names[*]}")"; do
    out="$WORK/peer-$([ -n "$hint" ] && echo hinted || echo plain).txt"
    "$SPEECH_PEER/bin/python" bench/speech_peer.py --model "$MODEL" --clip "$WORK/names.wav" --out "$out" \
      --threads "$THREADS" --hotwords "$hint" >/dev/null 2>&1
  done
  spelled() { local n c=0; for n in "${names[@]}"; do grep -qF "$n" "$1" && c=$((c + 1)); done; echo "$c of ${#names[@]}"; }
  echo "## names spelled right (tiny.en, beam 5): without and with them as hot words"
  printf '%-28s %12s %12s\n' "stack" "plain" "hot words"
  printf '%-28s %12s %12s\n' "faster-whisper $FW_VERSION" "$(spelled "$WORK/peer-plain.txt")" "$(spelled "$WORK/peer-hinted.txt")"
  printf '%-28s %12s %12s\n' "mediaport" "$(spelled "$WORK/ours-plain.txt")" "$(spelled "$WORK/ours-hinted.txt")"
  echo "# mediaport heard: $(tr '\n' ' ' < "$WORK/ours-plain.txt") / with hot words: $(tr '\n' ' ' < "$WORK/ours-hinted.txt")"

  # Language identification: Whisper base naming the language of Spanish speech.
  espeak-ng -v es -s 130 -w "$WORK/es.wav" "Buenos días a todos. Hoy hablamos del tiempo. Mañana va a llover en toda la costa."
  BASE="$MEDIAPORT_CACHE/models/whisper-base"
  peer_language=$("$SPEECH_PEER/bin/python" bench/speech_peer.py --model "$BASE" --clip "$WORK/es.wav" --out /dev/null \
    --threads "$THREADS" --language-only 2>/dev/null)
  ours_language=$(cargo bench --locked -q -p mediaport-analysis --bench speech -- language "$WORK/es.wav" 2>/dev/null)
  echo "## language identification (Whisper base, first 30 s of espeak-ng Spanish)"
  printf '%-28s %12s %12s\n' "stack" "language" "seconds"
  printf '%-28s %12s %12s\n' "faster-whisper $FW_VERSION" "$(field "$peer_language" code)" "$(field "$peer_language" seconds)"
  printf '%-28s %12s %12s\n' "mediaport" "$(field "$ours_language" code)" "$(field "$ours_language" seconds)"
} | tee -a "bench/results/speech-$(date -u +%Y-%m-%d).txt"
