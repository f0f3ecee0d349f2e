"""The peer for bench/speech.sh: the Python faster-whisper package on the same
CTranslate2 model, clip, thread count and decoding settings (beam 5, English, int8).
Audio is decoded before the clock starts, as Mediaport's benchmark does."""

import argparse
import time

from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--clip", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--hotwords", help="hot words, comma-separated (faster-whisper's hotwords)")
parser.add_argument("--language-only", action="store_true",
                    help="time naming the language of the clip's first 30 s (detect_language)")
parser.add_argument("--greedy-windows", action="store_true",
                    help="as bench/speech_engines.sh decodes: greedy, no timestamps, 30 s windows "
                    "one after another, no previous text, no temperature fallback")
args = parser.parse_args()

model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=args.threads, num_workers=1)
audio = decode_audio(args.clip, sampling_rate=16000)
started = time.perf_counter()
if args.language_only:
    code, _, _ = model.detect_language(audio)
    print(f"peer language code={code} seconds={time.perf_counter() - started:.2f}")
    raise SystemExit
if args.hotwords is not None:
    words = args.hotwords.replace(",", ", ") + "." if args.hotwords else None
    segments, info = model.transcribe(audio, language="en", beam_size=5, hotwords=words)
elif args.greedy_windows:
    segments, info = model.transcribe(audio, language="en", beam_size=1, without_timestamps=True,
                                      condition_on_previous_text=False, temperature=0.0)
else:
    segments, info = model.transcribe(audio, language="en", beam_size=5)
text = [segment.text.strip() for segment in segments]
seconds = time.perf_counter() - started
with open(args.out, "w") as out:
    out.write("\n".join(text))
print(f"peer speech audio_seconds={info.duration:.1f} seconds={seconds:.2f} "
      f"speed={info.duration / seconds:.2f} segments={len(text)}")
