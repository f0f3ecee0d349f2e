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
# Lints ride on the builds: clippy-driver compiles the workspace's own crates as rustc
# does, adding clippy's lints (denied, as `cargo clippy -- -D warnings` would), so one build
# both lints and makes what the tests run. A separate `cargo clippy` would compile every
# dependency a second time, in check mode: ten minutes on two cores.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
if [ -z "$RUSTC_WORKSPACE_WRAPPER" ]; then
  echo "clippy-driver is missing: run scripts/setup.sh --for-tests (rustup component add clippy)" >&2
  exit 1
fi
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
step "web app build, with lints (wasm32)"
scripts/build-web.sh
step "build, with lints (every target)"
cargo test --locked --no-run --all-targets
# The Lambda zips as infra/package.sh makes them (for musl; the dev profile, as the
# release one would be a second optimised build), run by api/tests/lambda.rs.
step "Lambda zips (musl)"
DIST=target/lambda-zips VERSION=test LAMBDA_PROFILE=dev infra/package.sh lambdas
export MEDIAPORT_LAMBDA_ZIPS="$PWD/target/lambda-zips"
step "tests: unit, integration, browser"
cargo test --locked --no-fail-fast
step "done"
