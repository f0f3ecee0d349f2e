#!/usr/bin/env bash
# Upload benchmark: `mediaport ingest` (presigned multipart through `mediaport serve`) next to
# boto3 sending the same bytes straight to the same S3 endpoint, on the embedded endpoint and
# on SeaweedFS. Prints a table and appends it to bench/results/upload-<date>.txt.
#
#   bench/upload.sh                          builds and measures target/release/mediaport
#   MEDIAPORT_BIN=target/debug/mediaport BENCH_BIG_MIB=64 BENCH_SMALL_COUNT=50 bench/upload.sh
#
# Needs SeaweedFS (scripts/setup.sh --for-tests); installs boto3 into the tool cache if missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/env.sh

BIG_MIB=${BENCH_BIG_MIB:-1024}
SMALL_COUNT=${BENCH_SMALL_COUNT:-1000}
SMALL_KIB=16
JOBS=4 # ingest --jobs, and boto3's max_concurrency / thread pool
BOTO3_VERSION=1.44.8

if [ -z "${MEDIAPORT_BIN:-}" ]; then
  cargo build --release --locked -p mediaport-cli >&2
  MEDIAPORT_BIN=target/release/mediaport
fi
BIN=$(realpath "$MEDIAPORT_BIN")
[ -x "$WEED" ] || { echo "SeaweedFS is missing ($WEED): run scripts/setup.sh --for-tests" >&2; exit 1; }
BOTO3_DIR=$MEDIAPORT_CACHE/tools/boto3-$BOTO3_VERSION
if [ ! -d "$BOTO3_DIR/boto3" ]; then
  echo "installing boto3 $BOTO3_VERSION into $BOTO3_DIR" >&2
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --root-user-action=ignore \
    --target "$BOTO3_DIR" "boto3==$BOTO3_VERSION"
fi
export PYTHONPATH=$BOTO3_DIR
# Only the keys this script exports may sign requests: no ~/.aws profile, no instance metadata.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mediaport-bench.XXXXXX")
PIDS=()
cleanup() {
  local status=$?
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop "$pid"; done
  if [ "$status" -ne 0 ]; then # show why before the logs go
    for log in "$WORK"/*/log; do [ -f "$log" ] && { echo "--- $log" && tail -n 15 "$log"; } >&2; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { echo "bench: $*" >&2; }

# stop PID: TERM, then KILL after 5 s (weed can spend minutes shutting down; its data is thrown away).
stop() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 10); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# free_ports N: N distinct free TCP ports (all held open at once, so none repeats).
free_ports() {
  python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])' "$1"
}

# wait_http URL PID: until URL answers with anything but 503 (a server still starting up);
# gives up after a minute or when PID dies.
wait_http() {
  local code
  for _ in $(seq 120); do
    kill -0 "$2" 2>/dev/null || { say "server for $1 exited"; return 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)
    [ "$code" != 000 ] && [ "$code" != 503 ] && return 0
    sleep 0.5
  done
  say "$1 did not answer within a minute"; return 1
}

# start_mediaport NAME [VAR=VALUE...]: `mediaport serve` on fresh ports and its own data folder,
# with extra settings from the environment. Sets API, S3_URL, PASSWORD and LOG.
start_mediaport() {
  local name=$1 api_port s3_port; shift
  read -r api_port s3_port < <(free_ports 2)
  mkdir -p "$WORK/$name"
  LOG=$WORK/$name/log
  # adopt_copies=false: boto3's objects in the ingest bucket must not become assets mid-run.
  env MEDIAPORT__UPLOADS__ADOPT_COPIES=false "$@" "$BIN" --data-dir "$WORK/$name/data" \
    --listen "127.0.0.1:$api_port" --s3-listen "127.0.0.1:$s3_port" --web-dir "" serve >"$LOG" 2>&1 &
  PIDS+=($!)
  API=http://127.0.0.1:$api_port S3_URL=http://127.0.0.1:$s3_port
  wait_http "$API/healthz" "$!"
  # The first start prints the admin's generated password once.
  PASSWORD=$(sed -n 's/^ *password: //p' "$LOG")
  [ -n "$PASSWORD" ] || { say "no admin password in $LOG"; return 1; }
}

# start_seaweedfs: `weed server -s3` with every port explicit (the defaults may be taken).
# Sets SEAWEED_URL, SEAWEED_KEY and SEAWEED_SECRET.
start_seaweedfs() {
  local dir=$WORK/seaweedfs ports flags=() name
  mkdir -p "$dir/data"
  SEAWEED_KEY=bench SEAWEED_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(20))')
  printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
    "$SEAWEED_KEY" "$SEAWEED_SECRET" >"$dir/s3.json"
  read -ra ports < <(free_ports 10)
  for name in s3.port master.port master.port.grpc volume.port volume.port.grpc filer.port filer.port.grpc \
    s3.port.grpc debug.port metricsPort; do
    flags+=("-$name=${ports[${#flags[@]}]}")
  done
  SEAWEED_URL=http://127.0.0.1:${ports[0]}
  "$WEED" server -s3 -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" -s3.config="$dir/s3.json" \
    -master.telemetry=false -volume.max=5 -s3.port.iceberg=0 -s3.port.lance=0 \
    -filer.localSocket="$dir/filer.sock" -s3.localSocket="$dir/s3.sock" "${flags[@]}" >"$dir/log" 2>&1 &
  PIDS+=($!)
  wait_http "$SEAWEED_URL/probe-bucket" "$!"
}

# seconds CMD...: wall-clock seconds CMD took; its output is kept in $WORK/out (shown if it fails).
seconds() {
  local t0 t1
  sync # so the previous run's writes do not flush to disk during this one
  t0=$(date +%s.%N)
  "$@" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

# ingest FILES...: the CLI as a user runs it, with a fresh journal so nothing is skipped.
# --all-files: big.bin has no media extension (so it is stored as unsupported, never analysed).
ingest() {
  local journal
  journal=$(mktemp "$WORK/journal.XXXXXX")
  MEDIAPORT_PASSWORD=$PASSWORD "$BIN" ingest --server "$API" --user admin --jobs "$JOBS" \
    --journal "$journal" --all-files "$@"
}

# boto3 ENDPOINT KEY SECRET ACTION [PATH]: see bench/boto3_upload.py.
boto3() {
  BENCH_S3_ENDPOINT=$1 AWS_ACCESS_KEY_ID=$2 AWS_SECRET_ACCESS_KEY=$3 BENCH_BUCKET=mediaport-ingest \
    python3 bench/boto3_upload.py "${@:4}"
}

# S3 5xx answers in the embedded endpoint's log (the clients retry them, at a cost in time).
errors_5xx() { grep -c 'status: 5[0-9][0-9]' "$LOG" || true; }

# row FILE CLIENT TARGET SECS MIB FILES [5XX]: one line of the table, kept for the report.
row() {
  local per_sec=-
  [ "$6" -gt 1 ] && per_sec=$(printf '%.1f' "$(echo "$6 / $4" | bc -l)")
  printf '%-30s %-22s %9.2f %10.1f %9s %6s\n' "$2" "$3" "$4" "$(echo "$5 / $4" | bc -l)" "$per_sec" "${7:--}" \
    >>"$WORK/$1"
}

# measure ROWS CLIENT TARGET MIB FILES CMD...: time CMD, count new 5xx when on the embedded endpoint.
measure() {
  local rows=$1 client=$2 target=$3 mib=$4 files=$5 before secs errors=
  shift 5
  say "$client -> $target"
  before=$(errors_5xx)
  secs=$(seconds "$@")
  [[ $target == embedded* ]] && errors=$(($(errors_5xx) - before))
  row "$rows" "$client" "$target" "$secs" "$mib" "$files" "$errors"
}

say "writing test data to $WORK"
head -c $((BIG_MIB * 1048576)) /dev/urandom >"$WORK/big.bin"
mkdir "$WORK/small"
for i in $(seq -f '%04g' 1 "$SMALL_COUNT"); do head -c $((SMALL_KIB * 1024)) /dev/urandom >"$WORK/small/$i.jpg"; done
SMALL_MIB=$(echo "$SMALL_COUNT * $SMALL_KIB / 1024" | bc -l)
: >"$WORK/big.rows" && : >"$WORK/small.rows"

# The embedded endpoint: both clients, big file then small files.
start_mediaport embedded
EMB_KEY=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["access_key"])' "$WORK/embedded/data/storage-credentials.json")
EMB_SECRET=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["secret_key"])' "$WORK/embedded/data/storage-credentials.json")
boto3 "$S3_URL" "$EMB_KEY" "$EMB_SECRET" bucket
measure big.rows "mediaport ingest --jobs $JOBS" embedded "$BIG_MIB" 1 ingest "$WORK/big.bin"
grep -q '^uploaded 1 files' "$WORK/out" || { cat "$WORK/out" >&2; exit 1; }
measure big.rows "boto3 upload_file" embedded "$BIG_MIB" 1 boto3 "$S3_URL" "$EMB_KEY" "$EMB_SECRET" big "$WORK/big.bin"
measure small.rows "mediaport ingest --jobs $JOBS" embedded "$SMALL_MIB" "$SMALL_COUNT" ingest "$WORK/small"
grep -q "^uploaded $SMALL_COUNT files" "$WORK/out" || { cat "$WORK/out" >&2; exit 1; }
measure small.rows "boto3 upload_file, $JOBS threads" embedded "$SMALL_MIB" "$SMALL_COUNT" \
  boto3 "$S3_URL" "$EMB_KEY" "$EMB_SECRET" many "$WORK/small"

# SeaweedFS: mediaport stores there (it creates its buckets at start), boto3 writes to it directly.
start_seaweedfs
start_mediaport on-seaweedfs MEDIAPORT__STORAGE__KIND=s3 MEDIAPORT__STORAGE__ENDPOINT="$SEAWEED_URL" \
  MEDIAPORT__STORAGE__ACCESS_KEY="$SEAWEED_KEY" MEDIAPORT__STORAGE__SECRET_KEY="$SEAWEED_SECRET"
boto3 "$SEAWEED_URL" "$SEAWEED_KEY" "$SEAWEED_SECRET" bucket
measure big.rows "mediaport ingest --jobs $JOBS" seaweedfs "$BIG_MIB" 1 ingest "$WORK/big.bin"
grep -q '^uploaded 1 files' "$WORK/out" || { cat "$WORK/out" >&2; exit 1; }
measure big.rows "boto3 upload_file" seaweedfs "$BIG_MIB" 1 boto3 "$SEAWEED_URL" "$SEAWEED_KEY" "$SEAWEED_SECRET" big "$WORK/big.bin"

# The report: machine first, then one table.
{
  echo "== mediaport upload benchmark, $(date '+%F %T %Z')"
  echo "binary:  $BIN ($("$BIN" --version)), boto3 $BOTO3_VERSION, SeaweedFS $SEAWEEDFS_VERSION"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
    "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  echo "wall clock per command, one run each; $JOBS parts (or files) in flight; 5xx = S3 errors the embedded endpoint answered"
  echo
  printf '%-30s %-22s %9s %10s %9s %6s\n' client target seconds 'MiB/s' 'files/s' 5xx
  echo "-- one file of $BIG_MIB MiB, 8 MiB parts"
  cat "$WORK/big.rows"
  echo "-- $SMALL_COUNT files of $SMALL_KIB KiB"
  cat "$WORK/small.rows"
  echo
} >"$WORK/report"
mkdir -p bench/results
cat "$WORK/report"
cat "$WORK/report" >>"bench/results/upload-$(date +%F).txt"
