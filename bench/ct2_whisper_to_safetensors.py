"""Reads a CTranslate2 Whisper model.bin and writes its weights as float32 safetensors under
the names candle-transformers' Whisper loads (Hugging Face's names), for
bench/speech_engines.sh. Needs only numpy.

Usage:
    ct2_whisper_to_safetensors.py MODEL_DIR OUT.safetensors OUT_CONFIG.json

CTranslate2 fuses attention projections: self-attention's linear_0 is query, key and value
stacked; cross-attention's linear_0 is the query and linear_1 the key and value stacked.
Whisper's key projection has no bias, so the stacked bias's key third is zeros and is
dropped. The encoder's position encodings are not written: candle computes the same
sinusoids itself.
"""

import json
import re
import struct
import sys
from pathlib import Path

import numpy as np

# CTranslate2's DataType enum, in its order.
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_model(path):
    """{name: array} of every variable, with aliases resolved."""
    data = Path(path).read_bytes()
    at = 0

    def take(fmt):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values

    def text():
        nonlocal at
        (length,) = take("H")
        value = data[at : at + length - 1].decode()
        at += length
        return value

    (version,) = take("I")
    if version < 5:
        sys.exit(f"model.bin binary version {version} is older than this reader knows")
    text()  # the spec's name
    take("I")  # its revision
    (count,) = take("I")
    variables = {}
    for _ in range(count):
        name = text()
        (rank,) = take("B")
        shape = take("I" * rank)
        (dtype,) = take("B")
        (size,) = take("I")
        if dtype not in DTYPES:
            sys.exit(f"{name}: data type {dtype} is not one this reader knows")
        variables[name] = np.frombuffer(data, DTYPES[dtype], size // np.dtype(DTYPES[dtype]).itemsize, at).reshape(shape)
        at += size
    (aliases,) = take("I")
    for _ in range(aliases):
        alias, target = text(), text()
        variables[alias] = variables[target]
    return variables


def attention(out, prefix, source, fused_from):
    """Splits fused projections: rows from `fused_from` onwards of linear_i are stacked."""
    names = ["q_proj", "k_proj", "v_proj"]
    linears = sorted({int(m.group(1)) for k in source for m in [re.match(re.escape(prefix) + r"/linear_(\d)/", k)] if m})
    pieces = []
    for i in linears[:-1]:
        weight, bias = source[f"{prefix}/linear_{i}/weight"], source[f"{prefix}/linear_{i}/bias"]
        parts = weight.shape[0] // weight.shape[1]
        pieces += list(zip(np.split(weight, parts), np.split(bias, parts)))
    assert len(pieces) == 3, f"{prefix}: {len(pieces)} projections"
    for name, (weight, bias) in zip(names, pieces):
        out[f"{fused_from}.{name}.weight"] = weight
        if name != "k_proj":
            out[f"{fused_from}.{name}.bias"] = bias
    last = linears[-1]
    out[f"{fused_from}.out_proj.weight"] = source[f"{prefix}/linear_{last}/weight"]
    out[f"{fused_from}.out_proj.bias"] = source[f"{prefix}/linear_{last}/bias"]


def norm(out, name, source, prefix):
    out[f"{name}.weight"] = source[f"{prefix}/gamma"]
    out[f"{name}.bias"] = source[f"{prefix}/beta"]


def convert(v):
    out = {}
    layers = lambda side: sorted({int(m.group(1)) for k in v for m in [re.match(side + r"/layer_(\d+)/", k)] if m})
    for side in ("encoder", "decoder"):
        hf = f"model.{side}"
        for i in layers(side):
            ct, layer = f"{side}/layer_{i}", f"{hf}.layers.{i}"
            attention(out, f"{ct}/self_attention", v, f"{layer}.self_attn")
            norm(out, f"{layer}.self_attn_layer_norm", v, f"{ct}/self_attention/layer_norm")
            if side == "decoder":
                attention(out, f"{ct}/attention", v, f"{layer}.encoder_attn")
                norm(out, f"{layer}.encoder_attn_layer_norm", v, f"{ct}/attention/layer_norm")
            for j, fc in ((0, "fc1"), (1, "fc2")):
                out[f"{layer}.{fc}.weight"] = v[f"{ct}/ffn/linear_{j}/weight"]
                out[f"{layer}.{fc}.bias"] = v[f"{ct}/ffn/linear_{j}/bias"]
            norm(out, f"{layer}.final_layer_norm", v, f"{ct}/ffn/layer_norm")
        norm(out, f"{hf}.layer_norm", v, f"{side}/layer_norm")
    for conv in ("conv1", "conv2"):
        out[f"model.encoder.{conv}.weight"] = v[f"encoder/{conv}/weight"]
        out[f"model.encoder.{conv}.bias"] = v[f"encoder/{conv}/bias"]
    out["model.decoder.embed_tokens.weight"] = v["decoder/embeddings/weight"]
    out["model.decoder.embed_positions.weight"] = v["decoder/position_encodings/encodings"]
    return {k: np.ascontiguousarray(a, dtype=np.float32) for k, a in out.items()}


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, array in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded)
        for array in tensors.values():
            f.write(array.tobytes())


def config(v, model_dir):
    """candle's Whisper config, read off the weights' shapes and CTranslate2's config."""
    ct2 = json.loads((Path(model_dir) / "config.json").read_text())
    layers = lambda side: len({m.group(0) for k in v for m in [re.match(side + r"/layer_\d+/", k)] if m})
    vocab, d_model = v["decoder/embeddings/weight"].shape
    return {
        "num_mel_bins": int(v["encoder/conv1/weight"].shape[1]),
        "max_source_positions": int(v["encoder/position_encodings/encodings"].shape[0]),
        "d_model": int(d_model),
        "encoder_attention_heads": int(v["encoder/num_heads"]),
        "encoder_layers": layers("encoder"),
        "vocab_size": int(vocab),
        "max_target_positions": int(v["decoder/position_encodings/encodings"].shape[0]),
        "decoder_attention_heads": int(v["decoder/num_heads"]),
        "decoder_layers": layers("decoder"),
        "suppress_tokens": ct2.get("suppress_ids", []),
    }


if __name__ == "__main__":
    model_dir, weights, config_path = sys.argv[1:4]
    variables = read_model(Path(model_dir) / "model.bin")
    write_safetensors(weights, convert(variables))
    Path(config_path).write_text(json.dumps(config(variables, model_dir), indent=1))
