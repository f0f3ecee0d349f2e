# Sourced by bench/hour.sh and bench/vision.sh: makes (once, cached) MINUTES of a
# one-minute programme of six ten-second shots at 1080p30 (portraits with captions, a test
# card, people side by side, moving patterns) under film grain at 8 Mb/s, with a narration
# (bench/speech_text.txt read by espeak-ng, then silence) every five minutes.
# `programme MINUTES` prints the film's path; expects `say`, WORK and MEDIAPORT_CACHE.

# One shot of ten seconds at 1080p30 from a filter graph's [v], under moving grain.
shot() {
  local out=$1 inputs=$2 graph=$3
  # shellcheck disable=SC2086
  ffmpeg -v error -y $inputs -filter_complex "$graph;[v]noise=alls=6:allf=t,format=yuv420p[out]" -map "[out]" \
    -t 10 -r 30 -c:v libx264 -preset veryfast -b:v 8M -maxrate 8M -bufsize 16M -g 60 "$out"
}

caption() { echo "drawtext=text='$1':x=120:y=880:fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=16"; }

programme() {
  local minutes=$1 film
  film=$MEDIAPORT_CACHE/bench/programme-1080p30-${minutes}min.mp4
  if [ ! -s "$film" ]; then
    mkdir -p "$(dirname "$film")" "$WORK/shots"
    local s=$MEDIAPORT_CACHE/models/samples still="-loop 1 -framerate 30 -t 10 -i"
    say "making the one-minute programme (six shots)"
    shot "$WORK/shots/1.mp4" "$still $s/obama.jpg" \
      "[0]scale=-2:1080,pad=1920:1080:(ow-iw)/2:0,$(caption 'THE PRESIDENT SPEAKS')[v]"
    shot "$WORK/shots/2.mp4" "-f lavfi -i testsrc2=s=1920x1080:r=30:d=10" \
      "[0]$(caption 'EVENING NEWS %{pts\:hms}')[v]"
    shot "$WORK/shots/3.mp4" "$still $s/obama2.jpg $still $s/biden.jpg" \
      "[0]scale=-2:800[a];[1]scale=-2:800[b];[a][b]hstack,pad=1920:1080:(ow-iw)/2:140,$(caption 'TWO LEADERS MEET')[v]"
    shot "$WORK/shots/4.mp4" "$still $s/astronaut.png" \
      "[0]scale=-2:1080,pad=1920:1080:300:0,$(caption 'A WALK IN SPACE')[v]"
    shot "$WORK/shots/5.mp4" "-f lavfi -i mandelbrot=s=1920x1080:r=30" "[0]null[v]"
    shot "$WORK/shots/6.mp4" "$still $s/coffee.png $still $s/chelsea.png" \
      "[0]scale=-2:1080[a];[1]scale=-2:1080[b];[a][b]hstack,scale=1920:-2,pad=1920:1080:0:(oh-ih)/2[v]"
    printf "file '%s'\n" "$WORK"/shots/{1,2,3,4,5,6}.mp4 >"$WORK/shots.txt"
    ffmpeg -v error -y -f concat -safe 0 -i "$WORK/shots.txt" -c copy "$WORK/programme.mp4"
    say "making the narration"
    espeak-ng -v en-us -s 160 -w "$WORK/speech.wav" -f bench/speech_text.txt
    ffmpeg -v error -y -i "$WORK/speech.wav" -af "apad=whole_dur=300" -ar 48000 -ac 2 "$WORK/narration.wav"
    say "making $minutes minutes of it"
    ffmpeg -v error -y -stream_loop -1 -i "$WORK/programme.mp4" -stream_loop -1 -i "$WORK/narration.wav" \
      -t "$((minutes * 60))" -map 0:v -map 1:a -c:v copy -c:a aac -b:a 128k -movflags +faststart -f mp4 "$film.part"
    mv "$film.part" "$film"
  fi
  echo "$film"
}
