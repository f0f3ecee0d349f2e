#!/usr/bin/env python3
"""Makes the scenes benchmark's film, whose scenes and ad breaks are known.

Twelve scenes, each two to four shots of one photograph or caption card (the whole of it,
then other framings of it, cut together), each with a sentence about it spoken by
espeak-ng over a room tone. Scenes follow each other by a plain cut, except after the
third, sixth and ninth: a second of black and silence there, where a programme made for
broadcast would take its breaks. Adjacent scenes show different things; the last three
come back to places seen before, as programmes do.

Writes the film and a JSON file of the truth: scene starts, shot starts, breaks (start,
end) and the length, in seconds.

Usage: bench/scenes_film.py --samples DIR --out FILM.mp4 --truth TRUTH.json
(DIR: the photographs models/fetch.py --samples puts in the model cache)
"""

import argparse
import json
import random
import subprocess
import tempfile
from pathlib import Path

SIZE = (640, 360)
RATE = 25
BLACK_AFTER = {3, 6, 9}

# (source, sentence): a photograph of the samples, or a card's colour and caption.
SCENES = [
    ("astronaut.png", "The astronaut checks the oxygen supply before the space walk begins."),
    ("coffee.png", "Fresh coffee is poured into a white cup at the corner cafe."),
    ("chelsea.png", "The old tabby cat stretches out on the windowsill and purrs."),
    ("obama.jpg", "The president speaks to reporters about the new health care plan."),
    ("card:0x802020:WEATHER", "Tonight the weather brings heavy rain and strong winds along the coast."),
    ("biden.jpg", "The vice president visits a factory and meets the workers."),
    ("card:0x206030:SPORTS", "In football tonight the home team won the final in extra time."),
    ("card:0x203080:MARKETS", "Stock markets fell sharply as investors worried about interest rates."),
    ("astronaut.png", "The crew of the space station prepares the rocket for launch."),
    ("coffee.png", "Coffee farmers expect a smaller harvest of beans this year."),
    ("chelsea.png", "A rescue shelter finds new homes for kittens and cats."),
    ("obama.jpg", "The president signs the bill into law at the white house."),
]


def run(*command: str) -> None:
    subprocess.run(command, check=True)


def picture(source: str, samples: Path, work: Path, n: int) -> Path:
    """The scene's picture: a sample photograph, or a caption card drawn once."""
    if not source.startswith("card:"):
        return samples / source
    _, colour, caption = source.split(":")
    card = work / f"card{n}.png"
    run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={colour}:s=960x540",
        "-vf", f"drawtext=text='{caption}':x=120:y=220:fontsize=96:fontcolor=white,"
               "drawbox=x=80:y=380:w=800:h=16:color=white@0.8:t=fill",
        "-frames:v", "1", str(card))
    return card


def framing(rng: random.Random, first: bool) -> str:
    """The whole picture for a scene's first shot, a random part of it after."""
    w, h = SIZE
    fit = f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2"
    if first:
        return fit
    share = rng.uniform(0.45, 0.7)
    x, y = rng.uniform(0, 1 - share), rng.uniform(0, 1 - share)
    return f"crop=iw*{share:.3f}:ih*{share:.3f}:iw*{x:.3f}:ih*{y:.3f},{fit}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args()
    rng = random.Random(25)
    inputs: list[str] = []
    graph: list[str] = []
    shots: list[float] = []
    scenes: list[float] = []
    breaks: list[tuple[float, float]] = []
    voices: list[tuple[Path, float]] = []
    at = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n, (source, sentence) in enumerate(SCENES, start=1):
            photo = picture(source, args.samples, work, n)
            scenes.append(at)
            voice = work / f"said{n}.wav"
            run("espeak-ng", "-s", "150", "-w", str(voice), sentence)
            voices.append((voice, at + 0.5))
            for s in range(rng.randint(2, 4)):
                seconds = rng.choice([3, 4, 5])
                shots.append(at)
                inputs += ["-loop", "1", "-framerate", str(RATE), "-t", str(seconds), "-i", str(photo)]
                graph.append(f"[{len(shots) - 1}:v]{framing(rng, s == 0)},setsar=1,fps={RATE},format=yuv420p[v{len(shots) - 1}]")
                at += seconds
            if n in BLACK_AFTER:
                breaks.append((at, at + 1))
                shots.append(at)
                inputs += ["-f", "lavfi", "-i", f"color=c=black:s={SIZE[0]}x{SIZE[1]}:r={RATE}:d=1"]
                graph.append(f"[{len(shots) - 1}:v]setsar=1,format=yuv420p[v{len(shots) - 1}]")
                at += 1
        pictures = "".join(f"[v{i}]" for i in range(len(shots)))
        graph.append(f"{pictures}concat=n={len(shots)}:v=1:a=0[video]")
        # Room tone all through but in the black; each sentence laid over it.
        tone = len(shots)
        inputs += ["-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=0.02:sample_rate=16000:duration={at}"]
        quiet = "+".join(f"between(t,{b},{e})" for b, e in breaks)
        graph.append(f"[{tone}:a]volume='if({quiet},0,1)':eval=frame[tone]")
        mix = "[tone]"
        for i, (voice, start) in enumerate(voices):
            inputs += ["-i", str(voice)]
            graph.append(f"[{tone + 1 + i}:a]aresample=16000,adelay={int(start * 1000)}:all=1[s{i}]")
            mix += f"[s{i}]"
        graph.append(f"{mix}amix=inputs={len(voices) + 1}:normalize=0:duration=first[audio]")
        run("ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", ";".join(graph),
            "-map", "[video]", "-map", "[audio]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
            "-c:a", "aac", "-shortest", str(args.out))
    truth = {"duration": at, "scenes": scenes, "shots": shots, "breaks": breaks}
    args.truth.write_text(json.dumps(truth, indent=1))


if __name__ == "__main__":
    main()
