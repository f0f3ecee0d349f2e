#!/usr/bin/env python3
"""The scenes benchmark's peer: PySceneDetect, the scene detector Python users reach for,
on the same film. Its detectors find where the picture changes (shots, in this benchmark's
words): its content detector at its default threshold, and its adaptive detector.

Prints `peer <detector> seconds=S <start>-<end>,...` per detector, in seconds.

Usage: bench/scenes_peer.py FILM
"""

import sys
import time

from scenedetect import AdaptiveDetector, ContentDetector, detect


def main() -> None:
    film = sys.argv[1]
    for name, detector in [("content", ContentDetector), ("adaptive", AdaptiveDetector)]:
        started = time.perf_counter()
        scenes = detect(film, detector())
        seconds = time.perf_counter() - started
        spans = ",".join(f"{a.seconds:.3f}-{b.seconds:.3f}" for a, b in scenes)
        print(f"peer {name} seconds={seconds:.1f} {spans}")


if __name__ == "__main__":
    main()
