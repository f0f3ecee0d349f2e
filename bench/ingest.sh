#!/usr/bin/env bash
# Ingest benchmark: fixity MB/s next to md5sum and sha256sum on the same 2 GiB file, and
# the whole ingest stage on a minute of 1080p video next to the bare ffmpeg commands that
# make the same outputs (one run that decodes once, as Mediaport does, and one command per
# output, as a pipeline of separate jobs does). Prints a table and appends it to
# bench/results/ingest-<date>.txt.
#
#   bench/ingest.sh                      2 GiB and 60 s
#   BENCH_FIXITY_MIB=256 BENCH_VIDEO_SECS=10 bench/ingest.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

FIXITY_MIB=${BENCH_FIXITY_MIB:-2048}
VIDEO_SECS=${BENCH_VIDEO_SECS:-60}
THREADS=$(nproc)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mediaport-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench: $*" >&2; }
# Wall-clock seconds of a command.
calc() { awk "BEGIN { print $1 }"; }
timed() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); calc "$e - $s"; }
rate() { calc "$1 / $2"; }

say "building the benchmark (release)"
cargo bench --locked -p mediaport-analysis --bench ingest --no-run >&2
run_bench() { cargo bench --locked -q -p mediaport-analysis --bench ingest -- "$@" 2>/dev/null; }

say "making a $FIXITY_MIB MiB file"
head -c "$((FIXITY_MIB * 1024 * 1024))" /dev/urandom > "$WORK/big.bin"
MB=$(calc "$FIXITY_MIB * 1.048576")
cat "$WORK/big.bin" > /dev/null # warm the page cache for everyone alike
md5=$(timed md5sum "$WORK/big.bin")
sha=$(timed sha256sum "$WORK/big.bin")
both=$(timed sh -c "md5sum '$WORK/big.bin'; sha256sum '$WORK/big.bin'")
ours=$(run_bench fixity "$WORK/big.bin")
rm -f "$WORK/big.bin"

say "making $VIDEO_SECS s of 1080p30 video with sound"
ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$VIDEO_SECS" -f lavfi -i "sine=f=440:d=$VIDEO_SECS" \
  -c:v libx264 -preset veryfast -b:v 8M -c:a aac "$WORK/film.mp4"
VMB=$(calc "$(stat -c %s "$WORK/film.mp4") / 1000000")
fit="scale=w='min(960,iw)':h='min(540,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2"
mkdir -p "$WORK/one" "$WORK/sep/frames"
# The same outputs as ingest, by hand: probe, mediainfo, then one ffmpeg run.
one_run() {
  ffprobe -v error -print_format json -show_format -show_streams "$WORK/film.mp4"
  mediainfo --Output=JSON "$WORK/film.mp4"
  ffmpeg -nostdin -v error -y -threads "$THREADS" -i "$WORK/film.mp4" \
    -map 0:v:0 -map 0:a:0 -c:a aac -b:a 128k -ac 2 -vf "$fit,format=yuv420p" -c:v libx264 -preset veryfast \
    -b:v 2M -maxrate 2500k -bufsize 4M -movflags +faststart "$WORK/one/proxy.mp4" \
    -map 0:v:0 -vf "fps=1,$fit" -q:v 3 "$WORK/one/%06d.jpg" \
    -map 0:a:0 -vn -c:a aac -b:a 128k -ac 2 "$WORK/one/audio.m4a"
}
# One command per output, each decoding the source again.
separate() {
  ffprobe -v error -print_format json -show_format -show_streams "$WORK/film.mp4"
  mediainfo --Output=JSON "$WORK/film.mp4"
  ffmpeg -nostdin -v error -y -i "$WORK/film.mp4" -vf "$fit,format=yuv420p" -c:v libx264 -preset veryfast \
    -b:v 2M -maxrate 2500k -bufsize 4M -c:a aac -b:a 128k -ac 2 -movflags +faststart "$WORK/sep/proxy.mp4"
  ffmpeg -nostdin -v error -y -i "$WORK/film.mp4" -vn -c:a aac -b:a 128k -ac 2 "$WORK/sep/audio.m4a"
  ffmpeg -nostdin -v error -y -i "$WORK/film.mp4" -vf "fps=1,$fit" -q:v 3 "$WORK/sep/frames/%06d.jpg"
}
say "bare ffmpeg, one run"
bare_one=$(timed one_run)
say "bare ffmpeg, one command per output"
bare_sep=$(timed separate)
say "mediaport ingest stage (fixity, metadata, proxies, frames measured, thumbnails, all stored)"
ingest=$(run_bench ingest "$WORK/film.mp4")

per_min() { calc "$1 * 60 / $VIDEO_SECS"; }
ours_hash=$(echo "$ours" | awk '/mediaport-hash-file/ {print $2}')
ours_fetch=$(echo "$ours" | awk '/mediaport-fixity-from-s3/ {print $2}')
ours_ingest=$(echo "$ingest" | awk '/mediaport-ingest/ {print $2}')
{
  echo "# bench/ingest.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(git rev-parse --short HEAD)"
  echo "## fixity of a $FIXITY_MIB MiB file (seconds, MB/s)"
  printf '%-44s %8.2f %8.1f\n' "md5sum" "$md5" "$(rate "$MB" "$md5")"
  printf '%-44s %8.2f %8.1f\n' "sha256sum" "$sha" "$(rate "$MB" "$sha")"
  printf '%-44s %8.2f %8.1f\n' "md5sum then sha256sum" "$both" "$(rate "$MB" "$both")"
  printf '%-44s %8.2f %8.1f\n' "mediaport, both hashes of the file" "$ours_hash" "$(rate "$MB" "$ours_hash")"
  printf '%-44s %8.2f %8.1f\n' "mediaport, fetched from S3 with both hashes" "$ours_fetch" "$(rate "$MB" "$ours_fetch")"
  echo "## ingest of $VIDEO_SECS s of 1080p30 ($(printf %.0f "$VMB") MB): seconds, seconds per minute of video"
  printf '%-44s %8.2f %8.1f\n' "bare ffmpeg, one run for all outputs" "$bare_one" "$(per_min "$bare_one")"
  printf '%-44s %8.2f %8.1f\n' "bare ffmpeg, one command per output" "$bare_sep" "$(per_min "$bare_sep")"
  printf '%-44s %8.2f %8.1f\n' "mediaport ingest stage (all stored)" "$ours_ingest" "$(per_min "$ours_ingest")"
} | tee -a "bench/results/ingest-$(date -u +%Y-%m-%d).txt"
