"""Python peer of Mediaport's vision analyses: the reference the Rust numbers are compared with.

Usage:
    vision_peer.py --models DIR --frames DIR [--threads N]

DIR for --models holds nsfwjs-mobilenet-v2.onnx (nsfwjs's MobileNetV2, converted by
models/convert_nsfwjs.py), ppocr-det.onnx and ppocr-rec.onnx (PP-OCRv4 det/rec, from the rapidocr-onnxruntime wheel).
--frames is a folder of JPEG frames. Needs only numpy, pillow and onnxruntime.

Prints one line per analysis to stdout:
    peer <analysis> frames=<n> seconds=<s> fps=<x>
and, to stderr, the first frame's moderation classes and recognised text lines, so the Rust
output can be checked against them. Seconds cover JPEG decode, pre-processing, inference
and post-processing of every frame; loading the models is not counted.

The pre- and post-processing follow rapidocr-onnxruntime 1.4.4 and nsfwjs 4.4.0 (see the
vision notes), simplified where the Rust side is simplified too:
- text boxes are axis-aligned (connected components, not OpenCV's rotated min-area rect);
- no 180-degree text-direction classifier;
- lines are recognised as the reference does, sorted by width in batches of 6, each padded
  to its batch's widest, but with the width capped at 960 (as Mediaport caps it);
- the detector sees frames at their own size (longer side at most 960), not scaled up to 736.
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

NSFW_BATCH = 8
NSFW_SIDE = 224

DET_MAX_SIDE = 960  # the longer side is scaled down to at most this, never up (as Mediaport does)
DET_THRESH = 0.3  # a map pixel is text when its probability is above this
DET_BOX_THRESH = 0.5  # a box is kept when the mean probability inside it reaches this
DET_UNCLIP_RATIO = 1.6  # DB shrinks text regions in training; this grows them back
DET_MIN_SIZE = 3
DET_MAX_CANDIDATES = 1000
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
REC_MAX_WIDTH = 960  # wider lines are squeezed to this (as Mediaport does)
REC_BATCH = 6  # lines read in one run, as the reference reads them
TEXT_SCORE = 0.5  # lines whose mean character confidence is below this are dropped
SPACE_HINT = 0.02  # a gap between characters where the space class reaches this is a space


def load_frame(path):
    """Decode a frame to an RGB uint8 array of shape (h, w, 3)."""
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


# ---------------------------------------------------------------- moderation (nsfwjs)


def axis(size):
    """Source indices and weights sampling `size` pixels at NSFW_SIDE points, corners aligned."""
    at = np.arange(NSFW_SIDE, dtype=np.float32) * np.float32((size - 1) / (NSFW_SIDE - 1))
    low = np.minimum(np.floor(at).astype(np.int64), size - 1)
    return low, np.minimum(low + 1, size - 1), (at - low).astype(np.float32)


def nsfw_input(rgb):
    """One frame as nsfwjs gives it: RGB / 255, bilinear to 224x224 with aligned corners (TF.js)."""
    pixels = rgb.astype(np.float32) / 255.0
    (y0, y1, dy), (x0, x1, dx) = axis(pixels.shape[0]), axis(pixels.shape[1])
    dx, dy = dx[None, :, None], dy[:, None, None]
    top = pixels[y0][:, x0] + (pixels[y0][:, x1] - pixels[y0][:, x0]) * dx
    bottom = pixels[y1][:, x0] + (pixels[y1][:, x1] - pixels[y1][:, x0]) * dx
    return top + (bottom - top) * dy


def run_moderation(session, frames):
    """Every frame's five class probabilities (drawing, hentai, neutral, porn, sexy), in batches."""
    name = session.get_inputs()[0].name
    scores = []
    for start in range(0, len(frames), NSFW_BATCH):
        batch = np.stack([nsfw_input(load_frame(p)) for p in frames[start : start + NSFW_BATCH]])
        (out,) = session.run(None, {name: batch})
        scores.extend(out.tolist())
    return scores


# ---------------------------------------------------------------- OCR (PP-OCRv4)


def resize_bilinear(img, out_w, out_h):
    """OpenCV-style INTER_LINEAR: half-pixel centres, clamped edges, no anti-aliasing.

    The PP-OCR models were trained on cv2.resize output; PIL's bilinear filter widens
    its kernel when shrinking, which blurs small text the models never saw blurred.
    """
    src_h, src_w = img.shape[:2]

    def taps(out_n, src_n):
        pos = (np.arange(out_n, dtype=np.float64) + 0.5) * (src_n / out_n) - 0.5
        lo = np.floor(pos)
        frac = pos - lo
        frac[lo < 0] = 0.0
        lo = np.clip(lo, 0, src_n - 1).astype(np.int64)
        hi = np.minimum(lo + 1, src_n - 1)
        return lo, hi, frac.astype(np.float32)

    y0, y1, fy = taps(out_h, src_h)
    x0, x1, fx = taps(out_w, src_w)
    src = img.astype(np.float32)
    rows = src[y0] * (1 - fy)[:, None, None] + src[y1] * fy[:, None, None]
    out = rows[:, x0] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]
    return np.rint(out)  # cv2 returns uint8 for uint8 input


def round32(n):
    # Python's round() rounds halves to even (720/32 = 22.5 -> 22); Rust must use round_ties_even.
    return max(32, int(round(n / 32) * 32))


def det_size(h, w):
    """The detector's input size: the longer side at most 960, sides rounded to 32.

    RapidOCR scales the shorter side up to 736 instead; Mediaport does not (frames are at
    most 960x540 already), and the peer does what Mediaport does."""
    ratio = min(1.0, DET_MAX_SIDE / max(h, w))
    return round32(h * ratio), round32(w * ratio)


def normalized_chw(bgr):
    """uint8-valued HWC BGR -> float32 CHW in [-1, 1]: (x / 255 - 0.5) / 0.5."""
    return ((bgr.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)


def blobs(mask):
    """Bounding boxes (x0, y0, x1, y1), inclusive, of the 8-connected blobs of a boolean map.

    Runs of set pixels per row are joined with union-find to the runs they touch on the
    row above, which keeps the Python loop to a few thousand runs instead of every pixel.
    """
    parent = []

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    runs = []  # (y, x_start, x_end) inclusive
    above = []  # run ids on the previous row
    for y in range(mask.shape[0]):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask[y].view(np.uint8), [0]))))
        here = []
        j = 0
        for start, end in zip(edges[0::2], edges[1::2] - 1):
            rid = len(runs)
            runs.append((y, int(start), int(end)))
            parent.append(rid)
            # 8-connectivity: a run above touches when it reaches one column either side.
            while j < len(above) and runs[above[j]][2] < start - 1:
                j += 1
            k = j
            while k < len(above) and runs[above[k]][1] <= end + 1:
                a, b = find(above[k]), find(rid)
                if a != b:
                    parent[b] = a
                k += 1
            here.append(rid)
        above = here
    boxes = {}
    for rid, (y, start, end) in enumerate(runs):
        root = find(rid)
        x0, y0, x1, y1 = boxes.get(root, (start, y, end, y))
        boxes[root] = (min(x0, start), min(y0, y), max(x1, end), max(y1, y))
    return list(boxes.values())


def detect(session, bgr):
    """Text boxes (x0, y0, x1, y1) in frame pixels, end-exclusive, in reading order."""
    h, w = bgr.shape[:2]
    in_h, in_w = det_size(h, w)
    x = normalized_chw(resize_bilinear(bgr, in_w, in_h))[None]
    (out,) = session.run(None, {session.get_inputs()[0].name: x})
    prob = out[0, 0]  # (in_h, in_w), sigmoid probabilities
    map_h, map_w = prob.shape

    # Binarise, then dilate with OpenCV's 2x2 kernel (anchor at (1, 1)): a pixel is set
    # when it or its left, upper or upper-left neighbour is, which joins nearly-touching letters.
    mask = prob > DET_THRESH
    mask[:, 1:] |= mask[:, :-1].copy()
    mask[1:, :] |= mask[:-1, :].copy()

    boxes = []
    for x0, y0, x1, y1 in blobs(mask)[:DET_MAX_CANDIDATES]:
        bw, bh = x1 - x0, y1 - y0  # OpenCV measures between pixel centres
        if min(bw, bh) < DET_MIN_SIZE:
            continue
        if prob[y0 : y1 + 1, x0 : x1 + 1].mean() < DET_BOX_THRESH:
            continue
        # Unclip: grow every side by area * ratio / perimeter.
        d = bw * bh * DET_UNCLIP_RATIO / (2 * (bw + bh))
        if min(bw, bh) + 2 * d < DET_MIN_SIZE + 2:
            continue
        fx0 = np.clip(np.round((x0 - d) / map_w * w), 0, w - 1)
        fx1 = np.clip(np.round((x1 + d) / map_w * w), 0, w - 1)
        fy0 = np.clip(np.round((y0 - d) / map_h * h), 0, h - 1)
        fy1 = np.clip(np.round((y1 + d) / map_h * h), 0, h - 1)
        if fx1 - fx0 <= 3 or fy1 - fy0 <= 3:
            continue
        boxes.append((int(fx0), int(fy0), int(fx1), int(fy1)))

    # Top to bottom; boxes whose tops are within 10 px count as one line, read left to right.
    boxes.sort(key=lambda b: (b[1], b[0]))
    for i in range(len(boxes) - 1):
        for j in range(i, -1, -1):
            if abs(boxes[j + 1][1] - boxes[j][1]) < 10 and boxes[j + 1][0] < boxes[j][0]:
                boxes[j], boxes[j + 1] = boxes[j + 1], boxes[j]
            else:
                break
    return boxes


def scale_line(crop):
    """A BGR text crop, turned if vertical, scaled to REC_HEIGHT high and normalised (CHW)."""
    h, w = crop.shape[:2]
    if h / w >= 1.5:  # a tall box is taken to be vertical text, turned to read left to right
        crop = np.rot90(crop)
        h, w = crop.shape[:2]
    resized_w = min(REC_MAX_WIDTH, max(8, math.ceil(REC_HEIGHT * w / h)))
    return normalized_chw(resize_bilinear(crop, resized_w, REC_HEIGHT))


def recognise(session, charset, lines):
    """(text, confidence) of each scaled line, read in one batch padded to the widest."""
    width = max(REC_MIN_WIDTH, max(line.shape[2] for line in lines))
    x = np.zeros((len(lines), 3, REC_HEIGHT, width), dtype=np.float32)  # zero is mid-grey once normalised
    for n, line in enumerate(lines):
        x[n, :, :, : line.shape[2]] = line
    (out,) = session.run(None, {session.get_inputs()[0].name: x})
    return [decode(charset, probs) for probs in out]


def decode(charset, probs):
    """Greedy CTC of one line's (steps, classes) probabilities: class 0 is the blank."""
    best = probs.argmax(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]  # repeated classes are one character
    if not keep.any():
        return "", 0.0
    # As Mediaport: a gap where the space class reaches SPACE_HINT is a word gap.
    space = len(charset) - 1
    text, gap = "", 0.0
    for step, (cls, kept) in enumerate(zip(best, keep)):
        if kept:
            if gap >= SPACE_HINT and text and not text.endswith(" ") and cls != space:
                text += " "
            text += charset[cls]
            gap = 0.0
        else:
            gap = max(gap, float(probs[step, space]))
    return text, float(probs.max(axis=1)[keep].mean())


def load_charset(session):
    """Class index -> character: blank at 0, the model's `character` metadata lines, then space."""
    lines = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return ["<blank>"] + lines + [" "]


def run_ocr(det, rec, charset, frames):
    """Detect and recognise text in every frame; returns the kept lines of each frame."""
    results = []
    for path in frames:
        bgr = load_frame(path)[:, :, ::-1]  # PP-OCR was trained on OpenCV's BGR images
        boxes = detect(det, bgr)
        scaled = [scale_line(bgr[y0:y1, x0:x1]) for x0, y0, x1, y1 in boxes]
        order = sorted(range(len(boxes)), key=lambda i: scaled[i].shape[2])
        read = {}
        for start in range(0, len(order), REC_BATCH):
            batch = order[start : start + REC_BATCH]
            for i, reading in zip(batch, recognise(rec, charset, [scaled[i] for i in batch])):
                read[i] = reading
        lines = []
        for i, box in enumerate(boxes):
            text, score = read[i]
            if text and score >= TEXT_SCORE:
                lines.append((text, score, box))
        results.append(lines)
    return results


def session(path, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def report(name, count, seconds):
    print(f"peer {name} frames={count} seconds={seconds:.3f} fps={count / seconds:.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True, type=Path)
    parser.add_argument("--frames", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    frames = sorted(p for p in args.frames.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if not frames:
        sys.exit(f"no JPEG frames in {args.frames}")

    nsfw = session(args.models / "nsfwjs-mobilenet-v2.onnx", args.threads)
    start = time.perf_counter()
    scores = run_moderation(nsfw, frames)
    report("moderation", len(frames), time.perf_counter() - start)
    print("first frame classes=" + " ".join(f"{p:.6f}" for p in scores[0]), file=sys.stderr)

    det = session(args.models / "ppocr-det.onnx", args.threads)
    rec = session(args.models / "ppocr-rec.onnx", args.threads)
    charset = load_charset(rec)
    start = time.perf_counter()
    lines = run_ocr(det, rec, charset, frames)
    report("ocr", len(frames), time.perf_counter() - start)
    for text, score, box in lines[0]:
        print(f"first frame text {text!r} score={score:.4f} box={box}", file=sys.stderr)


if __name__ == "__main__":
    main()
