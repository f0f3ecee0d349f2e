# Sourced by the other scripts: pinned tool versions and where downloads are cached
# (outside the repository, so a warm machine skips them).
MEDIAPORT_CACHE="${MEDIAPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediaport}"
SEAWEEDFS_VERSION=4.48
WEED="${WEED:-$MEDIAPORT_CACHE/tools/seaweedfs-$SEAWEEDFS_VERSION/bin/weed}"
export MEDIAPORT_CACHE WEED
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
MOTO_DIR="${MOTO_DIR:-$MEDIAPORT_CACHE/tools/moto-$MOTO_VERSION}"
export MOTO_DIR
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_DIR="${SCHEMATHESIS_DIR:-$MEDIAPORT_CACHE/tools/schemathesis-$SCHEMATHESIS_VERSION}"
export SCHEMATHESIS_DIR
# oneDNN, the prebuilt library CTranslate2 (Whisper) is compiled against (onednn/build.rs
# names the same folder).
ONEDNN_VERSION=2023.2.0
MEDIAPORT_ONEDNN="${MEDIAPORT_ONEDNN:-$MEDIAPORT_CACHE/tools/onednn-$ONEDNN_VERSION}"
export MEDIAPORT_ONEDNN
