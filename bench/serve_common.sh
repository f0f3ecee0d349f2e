# Sourced by bench/memory.sh and bench/hour.sh: `mediaport serve` with its embedded
# defaults in a scratch folder, as a new user starts it. Expects ROOT, WORK, PROFILE and
# `say`; sets BIN, URL and SERVER_PID, and stops the server on exit.
export LD_LIBRARY_PATH=$MEDIAPORT_ONEDNN/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

python3 models/fetch.py --samples >&2
# BENCH_BIN runs a binary built already (the tests' build, say) instead of building one.
if [ -n "${BENCH_BIN:-}" ]; then
  BIN=$(realpath "$BENCH_BIN")
else
  say "building the server ($PROFILE)"
  cargo build --locked --profile "$PROFILE" -p mediaport-cli >&2
  BIN=$ROOT/target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")/mediaport
fi
SAMPLES=$MEDIAPORT_CACHE/models/samples

export MEDIAPORT__DATA_DIR=$WORK/data
export MEDIAPORT__SERVER__LISTEN=127.0.0.1:18480
export MEDIAPORT__STORAGE__EMBEDDED__LISTEN=127.0.0.1:18490
URL=http://$MEDIAPORT__SERVER__LISTEN

# Starts the server and waits until it answers; a user who may upload is made.
start_server() {
  "$BIN" serve >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "$URL/healthz" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  "$BIN" user add bench --group creator --password Bench-password-1 >/dev/null
}

# Uploads FILE with `mediaport ingest`, as a user would.
upload() {
  # A journal of its own: the same file sent to an earlier run's server would be skipped.
  XDG_STATE_HOME=$WORK/state MEDIAPORT_PASSWORD=Bench-password-1 "$BIN" ingest "$1" --server "$URL" --user bench >/dev/null 2>&1
}

# GET on the API as the bench user.
api() {
  if [ -z "${TOKEN:-}" ]; then
    TOKEN=$(curl -fsS "$URL/api/auth/login" -H 'content-type: application/json' \
      -d '{"username": "bench", "password": "Bench-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  fi
  curl -fsS "$URL$1" -H "authorization: Bearer $TOKEN"
}

# The first asset's status.
first_asset() {
  api "/api/assets?page_size=1" | python3 -c 'import json,sys; a = json.load(sys.stdin)["items"][0]; print(a["id"], a["status"])'
}
