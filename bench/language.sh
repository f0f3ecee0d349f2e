#!/usr/bin/env bash
# Language benchmark: sentences per second embedded by MiniLM and read for entities by
# Rampart in Mediaport, next to the same ONNX files run by Python onnxruntime with Hugging
# Face tokenizers and the same batching (bench/language_peer.py), on the same sentences
# and thread count; and the whole language reading (embeddings, key phrases, entities,
# sentiment) per sentence. The sentences are bench/speech_text.txt's, 40 times over
# (about 600). Prints a table and appends it to bench/results/language-<date>.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh

THREADS=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }

python3 models/fetch.py >&2
ORT_VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("models/manifest.toml","rb"))["runtime"]["package"].split("==")[1])')
TOKENIZERS_VERSION=0.22.2
PEER="$MEDIAPORT_CACHE/tools/language-peer-ort$ORT_VERSION-tok$TOKENIZERS_VERSION"
if [ ! -x "$PEER/bin/python" ]; then
  say "making the Python peer's environment (onnxruntime $ORT_VERSION, tokenizers $TOKENIZERS_VERSION)"
  python3 -m venv "$PEER"
  "$PEER/bin/pip" install --quiet --disable-pip-version-check "onnxruntime==$ORT_VERSION" \
    "tokenizers==$TOKENIZERS_VERSION" "numpy<3"
fi

say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench language --no-run >&2

# One sentence per line.
for _ in $(seq 40); do tr '\n' ' ' < bench/speech_text.txt | sed 's/\([.!?]\) /\1\n/g'; echo; done \
  | sed '/^ *$/d' > "$WORK/sentences.txt"

peer=$("$PEER/bin/python" bench/language_peer.py --models "$MEDIAPORT_CACHE/models" \
  --sentences "$WORK/sentences.txt" --threads "$THREADS")
ours=$(cargo bench --locked -q -p mediaport-analysis --bench language -- "$WORK/sentences.txt" 2>/dev/null)

field() { echo "$1" | awk -v k="$2" '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
{
  echo "# bench/language.sh $(date -u +%Y-%m-%dT%H:%MZ) on $THREADS x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ONNX Runtime $ORT_VERSION, $(git rev-parse --short HEAD)"
  echo "## $(field "$ours" sentences) sentences, $THREADS threads, sentences per second"
  printf '%-34s %14s %14s %14s\n' "stack" "MiniLM embed" "Rampart NER" "whole reading"
  printf '%-34s %14s %14s %14s\n' "Python onnxruntime + tokenizers" "$(field "$peer" embed_rate)" "$(field "$peer" entity_rate)" "-"
  printf '%-34s %14s %14s %14s\n' "mediaport" "$(field "$ours" embed_rate)" "$(field "$ours" entity_rate)" "$(field "$ours" read_rate)"
} | tee -a "bench/results/language-$(date -u +%Y-%m-%d).txt"
