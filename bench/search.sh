#!/usr/bin/env bash
# Search benchmark: index build rate, then p50 / p99 latency and queries per second of a
# fixed query mix, Mediaport (tantivy on disk, through the same path as GET /api/search)
# next to SQLite FTS5 from Python's standard library (bench/search_peer.py), on the same
# synthetic corpus: 100,000 assets with about 10 million timecoded detections. The corpus
# is made once, from a fixed seed, into $MEDIAPORT_CACHE/bench/ and reused. Prints a table
# and appends it to bench/results/search-<date>.txt.
#
#   bench/search.sh                       100,000 assets, 200 timed runs per query form
#   BENCH_ASSETS=10000 BENCH_REPEAT=50 bench/search.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh

ASSETS=${BENCH_ASSETS:-100000}
REPEAT=${BENCH_REPEAT:-200}
export BENCH_REPEAT=$REPEAT
CORPUS="$MEDIAPORT_CACHE/bench/search-corpus-$ASSETS.jsonl"
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TMPDIR="$WORK"
say() { echo "bench: $*" >&2; }

say "building the benchmark (release)"
cargo bench --locked -p mediaport-backends --bench search --no-run >&2
run_bench() { cargo bench --locked -q -p mediaport-backends --bench search -- "$@"; }

say "corpus of $ASSETS assets: $CORPUS"
corpus=$(run_bench corpus "$CORPUS" "$ASSETS")
run_bench queries >"$WORK/queries.tsv"
say "Mediaport: indexing, then $REPEAT runs of each query form"
started=$SECONDS
ours=$(run_bench run "$CORPUS")
ours_seconds=$((SECONDS - started))
say "SQLite FTS5: the same"
started=$SECONDS
peer=$(python3 bench/search_peer.py --corpus "$CORPUS" --queries "$WORK/queries.tsv" --repeat "$REPEAT")
peer_seconds=$((SECONDS - started))

# field TEXT WHAT NAME KEY: the value of KEY= on the line "<side> WHAT NAME ...".
field() { echo "$1" | awk -v w="$2" -v n="$3" -v k="$4" '$2 == w && $3 == n { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
# value TEXT WHAT KEY: the value of KEY= on the line "<side> WHAT ...".
value() { echo "$1" | awk -v w="$2" -v k="$3" '$2 == w { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
build() { value "$1" build "$2"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
{
  echo "# bench/search.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), tantivy $(awk '/^name = "tantivy"$/ { getline; split($0, v, "\""); print v[2] }' Cargo.lock), SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)'), $(git rev-parse --short HEAD)"
  echo "## corpus: $ASSETS assets, $(build "$ours" detections) timecoded detections, $(mb "$(value "$corpus" corpus bytes)") MB of JSON lines"
  echo "## index build (the corpus read first; Mediaport one writer in batches of 5,000, a commit at least every 15 s, as reindex; FTS5 one transaction)"
  printf '%-36s %14s %14s\n' "" "Mediaport" "SQLite FTS5"
  printf '%-36s %14s %14s\n' "seconds" "$(build "$ours" seconds)" "$(build "$peer" seconds)"
  printf '%-36s %14s %14s\n' "assets per second" "$(build "$ours" assets_per_second)" "$(build "$peer" assets_per_second)"
  printf '%-36s %14s %14s\n' "detections per second" "$(build "$ours" detections_per_second)" "$(build "$peer" detections_per_second)"
  printf '%-36s %14s %14s\n' "size on disk, MB" "$(mb "$(build "$ours" bytes)")" "$(mb "$(build "$peer" bytes)")"
  echo "# mediaport segments after the build: $(build "$ours" segments)"
  echo "## queries: a page of 20, $REPEAT timed runs per form after 10 to warm up; totals must agree"
  printf '%-15s %9s %9s %17s %17s %9s %9s\n' "form" "total M" "total F" "M p50/p99 ms" "F p50/p99 ms" "M qps" "F qps"
  while IFS=$'\t' read -r name _ _; do
    printf '%-15s %9s %9s %17s %17s %9s %9s\n' "$name" \
      "$(field "$ours" query "$name" total)" "$(field "$peer" query "$name" total)" \
      "$(field "$ours" query "$name" p50_ms) / $(field "$ours" query "$name" p99_ms)" \
      "$(field "$peer" query "$name" p50_ms) / $(field "$peer" query "$name" p99_ms)" \
      "$(field "$ours" query "$name" qps)" "$(field "$peer" query "$name" qps)"
  done <"$WORK/queries.tsv"
  for c in 1 2; do
    printf '%-15s %9s %9s %17s %17s %9s %9s\n' "all, $c client$([ "$c" = 2 ] && echo s)" "" "" \
      "$(field "$ours" overall "clients=$c" p50_ms) / $(field "$ours" overall "clients=$c" p99_ms)" \
      "$(field "$peer" overall "clients=$c" p50_ms) / $(field "$peer" overall "clients=$c" p99_ms)" \
      "$(field "$ours" overall "clients=$c" qps)" "$(field "$peer" overall "clients=$c" qps)"
  done
  echo "## the forms (Mediaport | FTS5)"
  awk -F'\t' '{ printf "# %-15s %s | %s\n", $1, $2, $3 }' "$WORK/queries.tsv"
  echo "# corpus: $(echo "$corpus" | awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "made" && kv[2] == "no") print "reused from the cache"; if (kv[1] == "seconds") print "made in " kv[2] " s" } }')"
  echo "# wall clock: Mediaport ${ours_seconds} s, SQLite FTS5 ${peer_seconds} s (build and queries)"
} | tee -a "bench/results/search-$(date -u +%Y-%m-%d).txt"

# A total that differs means the two stacks read a form differently: say so loudly.
while IFS=$'\t' read -r name _ _; do
  if [ "$(field "$ours" query "$name" total)" != "$(field "$peer" query "$name" total)" ]; then
    say "totals differ for $name"
  fi
done <"$WORK/queries.tsv"
