#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, the web app build, then unit,
# integration and browser tests from one build.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { printf '\n\033[1m==> %s\033[0m (%d s in)\n' "$*" $((SECONDS - started)); }

# A clean clone builds everything once: incremental caches would only double the disk used.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
# A full disk shows up as a bare "could not compile"; say so before it happens.
free_gb=$(df -Pk . | awk 'NR == 2 { print int($4 / 1048576) }')
if [ "$free_gb" -lt 15 ]; then
  echo "warning: only ${free_gb} GB free here; a clean build and test run needs about 15 GB" >&2
fi

step "set-up"
scripts/setup.sh --for-tests
. scripts/env.sh
step "formatting"
cargo fmt --all --check
step "lints (server)"
cargo clippy --locked --all-targets -- -D warnings
step "lints (web app, wasm32)"
cargo clippy --locked -p mediaport-frontend --target wasm32-unknown-unknown -- -D warnings
step "web app build"
scripts/build-web.sh
step "tests: unit, integration, browser"
cargo test --locked --no-fail-fast
step "done"
