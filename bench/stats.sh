#!/usr/bin/env bash
# Stats benchmark: the catalog's share of GET /api/stats (counts by type and status, bytes,
# hours analysed, additions per day) on a SQLite catalog of many assets, Mediaport's
# Catalog::stats next to the same SQL from Python's sqlite3 (bench/stats_peer.py) on the
# same file. The catalog is made once into $MEDIAPORT_CACHE/bench/ and reused. Prints both
# and appends them to bench/results/stats-<date>.txt.
#
#   bench/stats.sh                       100,000 assets, 50 timed runs
#   BENCH_ASSETS=10000 bench/stats.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh

ASSETS=${BENCH_ASSETS:-100000}
REPEAT=${BENCH_REPEAT:-50}
export BENCH_REPEAT=$REPEAT
mkdir -p "$MEDIAPORT_CACHE/bench"
DB="$MEDIAPORT_CACHE/bench/stats-catalog-$ASSETS.db"
say() { echo "bench: $*" >&2; }

say "building the benchmark (release)"
cargo bench --locked -p mediaport-backends --bench stats --no-run >&2
say "Mediaport: catalog of $ASSETS assets ($DB), $REPEAT runs"
ours=$(cargo bench --locked -q -p mediaport-backends --bench stats -- "$DB" "$ASSETS")
say "Python sqlite3: the same statements"
peer=$(python3 bench/stats_peer.py --db "$DB" --repeat "$REPEAT")

machine="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(date -u +%Y-%m-%dT%H:%MZ)"
report="stats of $ASSETS assets, $REPEAT runs ($machine)
$ours
$peer"
mkdir -p bench/results
echo "$report" | tee -a "bench/results/stats-$(date -u +%Y-%m-%d).txt"
