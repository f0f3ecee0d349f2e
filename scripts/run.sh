#!/usr/bin/env bash
# One command from a fresh clone to a running Mediaport with its embedded defaults:
# installs what is missing, builds the web app and the server, starts it.
# Extra arguments go to `mediaport serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-web.sh
echo "==> building the server (release)"
cargo build --release --locked -p mediaport-cli
exec target/release/mediaport serve "$@"
