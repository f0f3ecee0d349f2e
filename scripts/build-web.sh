#!/usr/bin/env bash
# Builds the Leptos web app to frontend/dist: cargo for wasm32, then wasm-bindgen.
# Needs the wasm32 target and a wasm-bindgen-cli matching Cargo.lock (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${WEB_PROFILE:-wasm-release}"
out=frontend/dist
cargo build -p mediaport-frontend --target wasm32-unknown-unknown --profile "$profile" --locked
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
wasm-bindgen --target web --no-typescript --out-dir "$out.tmp" \
  "target/wasm32-unknown-unknown/$profile/mediaport_frontend.wasm"
cp frontend/index.html frontend/boot.js frontend/style/main.css "$out.tmp/"
# Pre-compressed copies: the server sends them to browsers that accept gzip.
gzip -9 -k "$out.tmp/mediaport_frontend_bg.wasm" "$out.tmp/mediaport_frontend.js" "$out.tmp/main.css"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "web app built in $out ($(du -h "$out/mediaport_frontend_bg.wasm" | cut -f1) wasm)"
