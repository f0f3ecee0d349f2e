#!/usr/bin/env bash
# Builds what infra/template.yaml deploys, into dist/ (DIST), named with VERSION
# (default: the crate version and the commit):
#   mediaport-lambda-VERSION.zip      the API function: a static (musl) `bootstrap`
#   mediaport-s3-events-VERSION.zip   the events function, likewise
#   mediaport-web-VERSION.tar.gz      the web app (WASM), for the web bucket
#   mediaport-worker-VERSION.tar.gz   `mediaport worker` for Debian 12: the binary, the
#                                     libraries it loads, the models and install.sh
#   SHA256SUMS
# Usage: infra/package.sh [lambdas|web|worker]...   (no argument: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

crate_version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
VERSION="${VERSION:-$crate_version-$(git rev-parse --short=10 HEAD)}"
DIST="${DIST:-dist}"
# Lambdas only need a static binary; LAMBDA_PROFILE=dev builds them faster (the tests).
LAMBDA_PROFILE="${LAMBDA_PROFILE:-release}"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(lambdas web worker)
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
say() { printf '==> %s\n' "$*"; }

# A zip holding one executable named bootstrap, as the provided.al2023 runtime wants.
zip_bootstrap() {
  local binary=$1 zip=$2 stage
  stage=$(mktemp -d)
  # Symbols only make the zip larger: a panic's message and location stay.
  strip -o "$stage/bootstrap" "$binary"
  chmod 755 "$stage/bootstrap"
  rm -f "$zip"
  (cd "$stage" && python3 -m zipfile -c "$zip" bootstrap)
  rm -rf "$stage"
}

lambdas() {
  if ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
    say "adding the x86_64-unknown-linux-musl target"
    rustup target add x86_64-unknown-linux-musl
  fi
  # The C parts (SQLite, ring) are compiled with musl's gcc wrapper.
  if ! command -v musl-gcc >/dev/null; then
    say "installing musl-tools (Debian)"
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -q musl-tools; else sudo apt-get install -y -q musl-tools; fi
  fi
  say "building the Lambda functions (musl, $LAMBDA_PROFILE)"
  cargo build --locked --profile "$LAMBDA_PROFILE" --target x86_64-unknown-linux-musl -p mediaport-api --bins
  local dir=target/x86_64-unknown-linux-musl/$LAMBDA_PROFILE
  if [ "$LAMBDA_PROFILE" = dev ]; then dir=target/x86_64-unknown-linux-musl/debug; fi
  for function in mediaport-lambda mediaport-s3-events; do
    zip_bootstrap "$dir/$function" "$DIST/$function-$VERSION.zip"
  done
}

web() {
  scripts/build-web.sh
  tar -czf "$DIST/mediaport-web-$VERSION.tar.gz" -C frontend/dist .
}

worker() {
  scripts/setup.sh
  say "building the worker (release)"
  cargo build --locked --release -p mediaport-cli
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage/bin" "$stage/lib" "$stage/models"
  cp target/release/mediaport "$stage/bin/"
  # CTranslate2 (Whisper) links oneDNN; ONNX Runtime is loaded from the models folder.
  cp -P "$MEDIAPORT_ONEDNN"/lib/libdnnl.so* "$stage/lib/"
  # The models the worker checks against its manifest when it starts; not the test photos.
  (cd "$MEDIAPORT_CACHE/models" && tar -cf - --exclude=./samples .) | tar -xf - -C "$stage/models"
  cp infra/worker/install.sh infra/worker/mediaport-worker.service "$stage/"
  echo "$VERSION" > "$stage/VERSION"
  # mktemp makes the folder 0700 and owned by whoever packaged: extracted as "." over
  # /opt/mediaport that would lock the service's user out, so the archive says root, 0755.
  chmod 0755 "$stage"
  tar -czf "$DIST/mediaport-worker-$VERSION.tar.gz" --owner=0 --group=0 --numeric-owner -C "$stage" .
  rm -rf "$stage"
}

for part in "${parts[@]}"; do
  case "$part" in
    lambdas | web | worker) "$part" ;;
    *) echo "unknown part $part: lambdas, web or worker" >&2; exit 2 ;;
  esac
done
(cd "$DIST" && sha256sum -- *-"$VERSION".* > SHA256SUMS)
say "packaged $VERSION in $DIST/:"
ls -l "$DIST" | tail -n +2
