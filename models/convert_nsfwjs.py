#!/usr/bin/env python3
"""Converts the nsfwjs moderation classifiers (TF.js) into ONNX files.

The npm package nsfwjs (MIT) ships three classifiers of the same five classes, as TF.js
models whose files are wrapped in JavaScript: `dist/models/<model>/model.min.js` returns
the model JSON and each `group1-shard*of*.min.js` one weight shard as a base64 string,
when `require()`d in node. All three have their weights quantised to uint8 (scale, min).

  nsfwjs-mobilenet-v2-mid.onnx  `mobilenet_v2_mid`, a TF.js graph model (4.3 MB)
  nsfwjs-mobilenet-v2.onnx      `mobilenet_v2`, a Keras layers model (2.6 MB)
  nsfwjs-inception-v3.onnx      `inception_v3`, a Keras layers model (22.4 MB)

Every file: input `input` [N, S, S, 3] float RGB in 0..1 (S = 224, 299 for inception),
output `probabilities` [N, 5] (softmax) in the order of CLASSES (also in the file's
metadata, key `classes`). nsfwjs prepares a picture as pixels / 255, then bilinear resize
to S x S with align_corners = true (tf.image.resizeBilinear(x, [S, S], true)).

Steps, offline but for the registries, in the conversion environment of convert_tfjs.py:
1. downloads the package with `npm pack` and checks the tarball's sha256;
2. unwraps the model JSON and the shards with node (`require()`, as nsfwjs does);
3. dequantises the weights exactly as TF.js does (value * scale + min in double precision,
   rounded once to float32) and writes them as plain float32 weights;
4. graph model: rebuilds the GraphDef and converts it as convert_tfjs.py does; layers
   model: builds the Keras model from its config in tf.keras, loads the weights by name,
   and converts it with tf2onnx (opset 13);
5. names the input and output plainly, makes the bytes reproducible, and writes
   `<cache>/<name>` atomically, printing its sha256.

Usage: models/convert_nsfwjs.py --name nsfwjs-mobilenet-v2-mid.onnx [--cache DIR] [--keep-source DIR]

--keep-source leaves the unwrapped original TF.js files (model.json + shards, still
quantised) in DIR, for models/check_nsfwjs.py, which runs them with TF.js itself.
"""

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # the import below is from the repo: leave no __pycache__ there
sys.path.insert(0, str(Path(__file__).resolve().parent))

import convert_tfjs  # noqa: E402
from convert_tfjs import (canonical_names, make_constants_reproducible, npm_pack,  # noqa: E402
                          rename_values, save_checked)

NPM_PACKAGE = "nsfwjs@4.4.0"
NPM_TARBALL_SHA256 = "585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382"
OPSET = 13
# The order of the five outputs (nsfwjs's NSFW_CLASSES, dist/cjs/nsfw_classes.js).
CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"]

# The sha256 each made, the same over repeated runs (the mid one is pinned in the manifest):
#   nsfwjs-mobilenet-v2-mid.onnx  5ec9bd8d85095c6baa041e7c038958b5ecb2cfba1873f534150a3d010f58d743
#   nsfwjs-mobilenet-v2.onnx      c2b1f383520bfc9ffceded17ee34b5cbe9bb7d9e9654cdb310dfa207aeef4da7
#   nsfwjs-inception-v3.onnx      7732b7d1499e5fcd7cdb9b187ae95c15ca69354a9ae15b9d9fa99006b3532419
MODELS = {
    "nsfwjs-mobilenet-v2-mid.onnx": {"folder": "mobilenet_v2_mid", "size": 224,
                                     "about": "nsfwjs MobileNetV2 (mid-sized, graph model)"},
    "nsfwjs-mobilenet-v2.onnx": {"folder": "mobilenet_v2", "size": 224,
                                 "about": "nsfwjs MobileNetV2 (Keras layers model)"},
    "nsfwjs-inception-v3.onnx": {"folder": "inception_v3", "size": 299,
                                 "about": "nsfwjs InceptionV3 (Keras layers model)"},
}
INPUT_NAME = "input"
OUTPUT_NAME = "probabilities"

# Turns the JavaScript-wrapped files back into model.json and the binary shards the
# manifest names (`group1-shard1of2` from `group1-shard1of2.min.js`).
UNWRAP_JS = r"""
const fs = require("fs"), path = require("path");
const [from, to] = process.argv.slice(1);
const model = require(path.resolve(from, "model.min.js"));
fs.writeFileSync(path.join(to, "model.json"), JSON.stringify(model));
for (const group of model.weightsManifest) {
  for (const shard of group.paths) {
    const text = require(path.resolve(from, shard + ".min.js"));
    if (typeof text !== "string") throw new Error(shard + " is not a base64 string");
    fs.writeFileSync(path.join(to, shard), Buffer.from(text, "base64"));
  }
}
"""


# ------------------------------------------------------------------ outside the venv (and in it)


def unwrap_model(tarball: Path, folder: str, into: Path) -> Path:
    """Extracts one model's JS files and unwraps them into model.json + shards in `into`."""
    wrapped = into / "js"
    wrapped.mkdir(parents=True, exist_ok=True)
    prefix = f"package/dist/models/{folder}/"
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(prefix) and member.name.endswith(".min.js"):
                with archive.extractfile(member) as src:
                    (wrapped / member.name[len(prefix):]).write_bytes(src.read())
    subprocess.run(["node", "-e", UNWRAP_JS, str(wrapped), str(into)], check=True)
    return into / "model.json"


# ------------------------------------------------------------------ inside the venv


def dequantised_weights(model: dict, folder: Path) -> dict:
    """The weights by name, dequantised exactly as TF.js's decodeWeight does.

    TF.js computes `value * scale + min` in double precision and stores it into a
    Float32Array (one rounding to float32); int32 weights are Math.round()ed instead.
    """
    import numpy as np

    stored_types = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16,
                    "float32": np.float32, "int32": np.int32}
    weights = {}
    for group in model["weightsManifest"]:
        data = b"".join((folder / shard).read_bytes() for shard in group["paths"])
        offset = 0
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"])) if entry["shape"] else 1
            quantization = entry.get("quantization")
            stored = stored_types[quantization["dtype"] if quantization else entry["dtype"]]
            values = np.frombuffer(data, dtype=stored, count=count, offset=offset)
            offset += count * np.dtype(stored).itemsize
            if quantization and quantization["dtype"] in ("uint8", "uint16"):
                exact = values.astype(np.float64) * quantization["scale"] + quantization["min"]
                if entry["dtype"] == "int32":
                    values = np.floor(exact + 0.5).astype(np.int32)  # Math.round
                else:
                    values = exact.astype(np.float32)
            else:
                values = values.astype(stored_types[entry["dtype"]])
            weights[entry["name"]] = values.reshape(entry["shape"])
        if offset != len(data):
            sys.exit(f"weight shards hold {len(data)} bytes, the manifest describes {offset}")
    return weights


def write_plain(model: dict, weights: dict, into: Path) -> Path:
    """model.json and one shard with the weights unquantised, the signature at the top."""
    import numpy as np

    into.mkdir(parents=True, exist_ok=True)
    specs, blobs = [], []
    for group in model["weightsManifest"]:
        for entry in group["weights"]:
            value = weights[entry["name"]]
            specs.append({"name": entry["name"], "shape": entry["shape"], "dtype": entry["dtype"]})
            blobs.append(np.ascontiguousarray(value).astype("<f4" if entry["dtype"] == "float32" else "<i4").tobytes())
    (into / "weights.bin").write_bytes(b"".join(blobs))
    plain = dict(model)
    plain["weightsManifest"] = [{"paths": ["weights.bin"], "weights": specs}]
    signature = (model.get("userDefinedMetadata") or {}).get("signature")
    if signature and "signature" not in plain:
        plain["signature"] = signature  # TF.js reads it from either place
    path = into / "model.json"
    path.write_text(json.dumps(plain))
    return path


def convert_graph(plain_json: Path):
    """The graph model as ONNX, by convert_tfjs.py's route (fused ops split)."""

    graph_def, model = convert_tfjs.rebuild_graph(plain_json)
    spec = {"inputs": {"input:0": INPUT_NAME}, "outputs": {"Identity:0": OUTPUT_NAME},
            "canonical_names": True}
    return convert_tfjs.convert(graph_def, model, spec)


def convert_layers(model: dict, weights: dict, size: int):
    """The Keras layers model, rebuilt in tf.keras with its weights, as ONNX."""
    import tensorflow as tf
    import tf2onnx

    topology = model["modelTopology"]
    config = topology.get("model_config", topology)
    keras_model = tf.keras.models.model_from_json(json.dumps(config))
    # Each layer's weights, by the names TF.js gives them (`<layer>/<weight>`).
    used = set()
    for layer in keras_model.layers:
        values = []
        for variable in layer.weights:
            # tf.keras names a variable `<layer>/<weight>:0`.
            name = variable.name.split(":")[0]
            if name not in weights:
                sys.exit(f"no weight {name} in the manifest for layer {layer.name}")
            value = weights[name]
            if tuple(value.shape) != tuple(variable.shape):
                sys.exit(f"{name}: manifest shape {value.shape}, layer wants {variable.shape}")
            values.append(value)
            used.add(name)
        if values:
            layer.set_weights(values)
    if set(weights) - used:
        sys.exit(f"weights no layer took: {sorted(set(weights) - used)[:5]}")
    signature = [tf.TensorSpec([None, size, size, 3], tf.float32, name=INPUT_NAME)]
    onnx_model, _ = tf2onnx.convert.from_keras(keras_model, input_signature=signature, opset=OPSET)
    graph = onnx_model.graph
    if len(graph.input) != 1 or len(graph.output) != 1:
        sys.exit(f"unexpected ONNX signature: {[i.name for i in graph.input]} -> {[o.name for o in graph.output]}")
    rename_values(graph, {graph.input[0].name: INPUT_NAME, graph.output[0].name: OUTPUT_NAME})
    make_constants_reproducible(graph)
    canonical_names(graph)
    return onnx_model


def convert_in_venv(name: str, cache: Path, keep_source: Path | None) -> None:
    import onnx

    spec = MODELS[name]
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mediaport-nsfwjs-") as scratch:
        scratch = Path(scratch)
        print(f"==> npm pack {NPM_PACKAGE}", flush=True)
        tarball = npm_pack(NPM_PACKAGE, NPM_TARBALL_SHA256, scratch)
        source = scratch / "tfjs"
        json_path = unwrap_model(tarball, spec["folder"], source)
        if keep_source:
            keep_source.mkdir(parents=True, exist_ok=True)
            for file in source.iterdir():
                if file.is_file():
                    (keep_source / file.name).write_bytes(file.read_bytes())
        model = json.loads(json_path.read_text())
        weights = dequantised_weights(model, source)
        print("==> converting to ONNX", flush=True)
        if model.get("format") == "graph-model":
            onnx_model = convert_graph(write_plain(model, weights, scratch / "plain"))
        else:
            onnx_model = convert_layers(model, weights, spec["size"])
        onnx_model.doc_string = (f"{spec['about']} converted from {NPM_PACKAGE} "
                                 f"dist/models/{spec['folder']}: RGB 0..1 [N,{spec['size']},"
                                 f"{spec['size']},3] -> softmax [N,5]")
        del onnx_model.metadata_props[:]
        onnx.helper.set_model_props(onnx_model, {"classes": ",".join(CLASSES)})
        save_checked(onnx_model, cache / name)


def main() -> None:
    convert_tfjs.cli(MODELS, convert_in_venv, __file__, __doc__)


if __name__ == "__main__":
    main()
