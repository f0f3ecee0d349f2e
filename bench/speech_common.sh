# Sourced by the speech benchmarks (after scripts/env.sh): a scratch folder removed on
# exit, the thread count, the peer's environment, the clip, and reading result lines.

THREADS=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }

FW_VERSION=1.2.1
# The Python peer: faster-whisper in its own environment, cached outside the repo.
SPEECH_PEER="$MEDIAPORT_CACHE/tools/speech-peer-fw$FW_VERSION"

speech_peer_env() {
  if [ ! -x "$SPEECH_PEER/bin/python" ]; then
    echo "bench: making the Python peer's environment (faster-whisper $FW_VERSION)" >&2
    python3 -m venv "$SPEECH_PEER"
    "$SPEECH_PEER/bin/pip" install --quiet --disable-pip-version-check "faster-whisper==$FW_VERSION"
  fi
}

# Speaks bench/speech_text.txt in three espeak-ng voices into $1/clip.wav (16 kHz mono,
# about 5 minutes) and writes the text they said, three times over, to $1/reference.txt
# for bench/wer.py.
speech_clip() {
  local work=$1 parts=() voice
  echo "bench: speaking bench/speech_text.txt in three voices" >&2
  for voice in en en-us en+f3; do
    espeak-ng -v "$voice" -s 150 -f bench/speech_text.txt -w "$work/$voice.wav"
    parts+=(-i "$work/$voice.wav")
  done
  ffmpeg -v error -y "${parts[@]}" -filter_complex "[0][1][2]concat=n=3:v=0:a=1" -ar 16000 -ac 1 "$work/clip.wav"
  for _ in 1 2 3; do cat bench/speech_text.txt; done > "$work/reference.txt"
}

# The value of key $2 in a `kind name key=value …` line $1.
field() { echo "$1" | awk -v k="$2" '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
