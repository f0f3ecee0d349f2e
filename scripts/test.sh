#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, the web app build, then unit,
# integration and browser tests from one build.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

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
