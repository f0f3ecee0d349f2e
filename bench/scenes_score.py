#!/usr/bin/env python3
"""Scores scene and ad-break finders against the scenes benchmark film's truth.

Reads lines `<who> <what> [seconds=S] <start>-<end>,...` on stdin (bench/scenes.sh gives
Mediaport's shots, scenes and ad breaks and the peer's detections) and prints, for each
finder of boundaries, how many it found and its precision, recall and F1 against the true
scene starts (a boundary within TOLERANCE seconds of one counts once); for ad breaks,
their recall and precision against the black and silent seconds.

Usage: bench/scenes_score.py TRUTH.json < lines
"""

import json
import sys

TOLERANCE = 1.0


def matched(found: list[float], truth: list[float]) -> int:
    """Truth boundaries with a found one near, each found one used once."""
    left = sorted(found)
    hits = 0
    for t in truth:
        near = [f for f in left if abs(f - t) <= TOLERANCE]
        if near:
            left.remove(min(near, key=lambda f: abs(f - t)))
            hits += 1
    return hits


def main() -> None:
    truth = json.load(open(sys.argv[1]))
    scene_starts = truth["scenes"][1:]  # the start of the film is no boundary
    print(f"{'finder':<28} {'found':>5} {'precision':>9} {'recall':>6} {'F1':>5}")
    for line in sys.stdin:
        words = line.split()
        if len(words) < 2:
            continue
        who, what = words[0], words[1]
        spans = [w for w in words[2:] if "-" in w and not w.startswith("seconds=")]
        spans = [tuple(float(x) for x in s.split("-")) for s in (spans[0].split(",") if spans else [])]
        if what == "ad_break":
            hits = sum(any(b - 0.5 <= (s + e) / 2 <= e2 + 0.5 for s, e in spans) for b, e2 in truth["breaks"])
            precision = sum(any(b - 0.5 <= (s + e) / 2 <= e2 + 0.5 for b, e2 in truth["breaks"]) for s, e in spans)
            print(f"{who + ' ad breaks':<28} {len(spans):>5} {precision / max(len(spans), 1):>9.2f} "
                  f"{hits / len(truth['breaks']):>6.2f}     -")
            continue
        starts = [s for s, _ in spans if s > 0]
        hits = matched(starts, scene_starts)
        p, r = hits / max(len(starts), 1), hits / len(scene_starts)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{who + ' ' + what:<28} {len(starts):>5} {p:>9.2f} {r:>6.2f} {f1:>5.2f}")


if __name__ == "__main__":
    main()
