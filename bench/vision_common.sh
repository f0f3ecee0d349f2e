# Sourced by bench/vision.sh and bench/faces.sh: the Python peer's own environment
# (onnxruntime pinned to the version Mediaport loads, numpy, pillow), made once and cached.
# Sets ORT_VERSION and PEER; expects `say` and MEDIAPORT_CACHE.
ORT_VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("models/manifest.toml","rb"))["runtime"]["package"].split("==")[1])')
PEER="$MEDIAPORT_CACHE/tools/vision-peer-ort$ORT_VERSION"
if [ ! -x "$PEER/bin/python" ]; then
  say "making the Python peer's environment (onnxruntime $ORT_VERSION, numpy, pillow)"
  python3 -m venv "$PEER"
  "$PEER/bin/pip" install --quiet --disable-pip-version-check "onnxruntime==$ORT_VERSION" "numpy<3" pillow
fi
