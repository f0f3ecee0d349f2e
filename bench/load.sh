#!/usr/bin/env bash
# Load run: the reliability suite's load test (cli/tests/cli/load.rs) alone on this
# machine, optimised: 50 browser-style uploads at once (presigned multipart to the
# embedded endpoint) while 100 searches a second run over 2,000 indexed assets, for 60 s.
# Prints the figures and appends them to bench/results/load-<date>.txt.
#
#   bench/load.sh                            release build, 60 s
#   BENCH_PROFILE=dev MEDIAPORT_LOAD_SECS=20 bench/load.sh   the build `make test` uses
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/env.sh
export LD_LIBRARY_PATH=$MEDIAPORT_ONEDNN/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

PROFILE=${BENCH_PROFILE:-release}
export MEDIAPORT_LOAD_SECS=${MEDIAPORT_LOAD_SECS:-60}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo test --locked --profile "$PROFILE" -p mediaport-cli --test cli -- --exact \
  load::fifty_uploads_and_a_hundred_searches_a_second_lose_nothing --nocapture >"$out" 2>&1 ||
  { cat "$out" >&2; exit 1; }

{
  echo "== mediaport load run, $(date '+%F %T %Z'), $PROFILE build, git $(git rev-parse --short HEAD)"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
    "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  echo "server, storage, catalog and load generator share the machine; every upload is checked (its ETag) and deleted"
  grep '^load over' "$out"
  echo
} | tee -a "bench/results/load-$(date +%F).txt"
