#!/usr/bin/env python3
"""Checks once that the nsfwjs ONNX files compute what the original TF.js models compute.

Runs each original model (the TF.js files from the npm package, unwrapped as
convert_nsfwjs.py unwraps them, still uint8-quantised, with @tensorflow/tfjs's
pure-JavaScript CPU backend under node; graph or Keras layers model) and the converted one
(ONNX Runtime 1.32.0, the version Mediaport loads) on the same inputs: five pictures from
the scikit-image wheel on PyPI (the photos astronaut, coffee, chelsea; the drawing-like
logo.png and horse.png, a silhouette; transparent pixels made white) prepared by TF.js
exactly as nsfwjs prepares a picture (pixels / 255, then bilinear resize with
align_corners), and one seeded random input. For each it prints

  conv   the largest absolute difference of the five probabilities, both runtimes given
         the very same input (what the conversion changed);
  prep   the largest difference between TF.js's prepared input and this script's own
         preparation (models/tfjs_image.py), and `e2e` the probabilities' difference when
         ONNX Runtime gets that one instead;
  and the five probabilities (ONNX Runtime), in the order Drawing Hentai Neutral Porn Sexy.

It fails when `conv` is above the tolerance.

Usage: models/check_nsfwjs.py [--models NAME ...]  (default: every nsfwjs-*.onnx in the
model cache)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # the imports below are from the repo: leave no __pycache__ there
sys.path.insert(0, str(HERE))

import check_nanodet  # noqa: E402  (the TF.js install, the check environment's pins)
import convert_nsfwjs  # noqa: E402
import convert_tfjs  # noqa: E402

PHOTOS_PACKAGE = check_nanodet.PHOTOS_PACKAGE
PICTURES = {  # member of the scikit-image wheel -> sha256 (the same in every platform's wheel)
    **check_nanodet.PHOTOS,
    "skimage/data/logo.png": "f2c57fe8af089f08b5ba523d95573c26e62904ac5967f4c8851b27d033690168",
    "skimage/data/horse.png": "c7fb60789fe394c485f842291ea3b21e50d140f39d6dcb5fb9917cc178225455",
}
# Probabilities (0..1). Both runtimes compute in float32 from the same float32 weights
# (TF.js dequantises its uint8 weights in double precision, as convert_nsfwjs.py does)
# but add up in different orders.
TOLERANCE = 1e-4


def pictures(into: Path) -> list[Path]:
    """The pictures, from the scikit-image wheel (pip download), sums checked."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-d", str(into), PHOTOS_PACKAGE], check=True)
    wheel = next(into.glob("scikit_image-*.whl"))
    paths = []
    with zipfile.ZipFile(wheel) as archive:
        for member, expected in PICTURES.items():
            target = into / Path(member).name
            target.write_bytes(archive.read(member))
            if convert_tfjs.sha256(target) != expected:
                sys.exit(f"{member} in {wheel.name} does not have the pinned sha256")
            paths.append(target)
    return paths


def load_rgb(path: Path):
    """A picture as [H, W, 3] uint8 RGB; transparent pixels are laid over white."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        if image.mode in ("RGBA", "LA", "P"):
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, rgba)
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def nsfwjs_input(rgb, size: int):
    """nsfwjs's preparation: pixels / 255 (float32), bilinear resize with align_corners."""
    import numpy as np

    import tfjs_image

    x = (rgb.astype(np.float64) / 255).astype(np.float32)
    if x.shape[:2] != (size, size):
        x = tfjs_image.resize_bilinear(x, (size, size), align_corners=True)
    return x[None]


def check_in_venv(models: list[Path], tfjs_modules: Path) -> None:
    import numpy as np
    import onnxruntime as ort

    failures = []
    with tempfile.TemporaryDirectory(prefix="mediaport-nsfwjs-check-") as scratch:
        scratch = Path(scratch)
        print(f"==> npm pack {convert_nsfwjs.NPM_PACKAGE}", flush=True)
        tarball = convert_tfjs.npm_pack(convert_nsfwjs.NPM_PACKAGE, convert_nsfwjs.NPM_TARBALL_SHA256, scratch)
        print(f"==> pip download {PHOTOS_PACKAGE} (test pictures)", flush=True)
        rgbs = {path.stem: load_rgb(path) for path in pictures(scratch)}
        raw = {}
        for name, rgb in rgbs.items():
            raw[name] = scratch / f"{name}.{rgb.shape[0]}x{rgb.shape[1]}.rgb"
            raw[name].write_bytes(rgb.tobytes())
        for model in models:
            spec = convert_nsfwjs.MODELS[model.name]
            size = spec["size"]
            source = scratch / spec["folder"]
            model_json = convert_nsfwjs.unwrap_model(tarball, spec["folder"], source)
            noise = np.random.default_rng(0).uniform(0, 1, (1, size, size, 3)).astype(np.float32)
            noise_file = scratch / f"noise{size}.f32"
            noise.astype("<f4").tofile(noise_file)
            out_dir = scratch / f"out-{spec['folder']}"
            out_dir.mkdir()
            print(f"==> {model.name}: running the original with TF.js (CPU backend)", flush=True)
            subprocess.run(["node", str(HERE / "check_tfjs_models.cjs"), str(model_json), str(out_dir),
                            "--nsfwjs", str(size), *map(str, raw.values()), str(noise_file)],
                           check=True, env={**os.environ, "TFJS_NODE_MODULES": str(tfjs_modules)})
            [(_, info)] = json.loads((out_dir / "outputs.json").read_text()).items()
            print(f"==> {model.name}: ONNX Runtime {ort.__version__}", flush=True)
            session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
            print(f"{'':10s} {'conv':>8s} {'prep':>8s} {'e2e':>8s}   "
                  + " ".join(f"{c:>7s}" for c in convert_nsfwjs.CLASSES))
            for name in [*rgbs, noise_file.stem]:
                theirs = np.fromfile(out_dir / f"{name}.{info['file']}.f32", dtype="<f4").reshape(info["shape"])
                if name in rgbs:
                    tfjs_prepared = np.fromfile(out_dir / f"{name}.input.f32", dtype="<f4").reshape(1, size, size, 3)
                    ours_prepared = nsfwjs_input(rgbs[name], size)
                else:
                    tfjs_prepared = ours_prepared = noise
                [ours] = session.run(["probabilities"], {"input": tfjs_prepared})
                [e2e] = session.run(["probabilities"], {"input": ours_prepared})
                conv = float(np.abs(ours - theirs).max())
                prep = float(np.abs(ours_prepared - tfjs_prepared).max())
                end = float(np.abs(e2e - theirs).max())
                print(f"{name:10s} {conv:8.1e} {prep:8.1e} {end:8.1e}   "
                      + " ".join(f"{p:7.4f}" for p in ours[0]))
                if conv > TOLERANCE:
                    failures.append(f"{model.name} {name}: max abs diff {conv:.3e}")
    if failures:
        sys.exit("FAILED:\n  " + "\n  ".join(failures))
    print(f"ok: every probability within {TOLERANCE} of TF.js's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = convert_tfjs.mediaport_cache()
    parser.add_argument("--models", type=Path, nargs="+",
                        help="ONNX files (named as convert_nsfwjs.py names them)")
    parser.add_argument("--in-venv", type=Path, help=argparse.SUPPRESS)  # the node_modules folder
    args = parser.parse_args()
    models = args.models or sorted(p for p in (cache / "models").glob("nsfwjs-*.onnx"))
    if not models:
        sys.exit("no nsfwjs-*.onnx in the model cache: run models/convert_nsfwjs.py first")
    for model in models:
        if model.name not in convert_nsfwjs.MODELS or not model.exists():
            sys.exit(f"{model}: not an existing file named as convert_nsfwjs.py names them")
    if args.in_venv:
        check_in_venv([m.resolve() for m in models], args.in_venv)
        return
    tfjs_modules = check_nanodet.ensure_tfjs(cache / "check-tfjs")
    python = convert_tfjs.ensure_venv(cache / "check-venv", check_nanodet.CHECK_REQUIREMENTS, "check")
    command = [str(python), str(Path(__file__).resolve()), "--models", *map(str, models),
               "--in-venv", str(tfjs_modules)]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
