"""The Python peer of bench/language.sh: the same MiniLM and Rampart ONNX files run by
onnxruntime, tokenized by Hugging Face `tokenizers` from the same tokenizer.json files,
with the same batching (like lengths together; 32 sentences for MiniLM, 16 for Rampart),
mean pooling and normalisation, and per-token argmax. Prints
`peer language sentences=... embed_rate=... entity_rate=...` (sentences per second)."""

import argparse
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def tokenizer(path, max_tokens):
    tok = Tokenizer.from_file(path)
    tok.enable_truncation(max_tokens)
    tok.enable_padding()
    return tok


def batches(texts, size):
    order = sorted(range(len(texts)), key=lambda i: len(texts[i].encode()))
    for start in range(0, len(order), size):
        yield [texts[i] for i in order[start:start + size]]


def feed(tok, model, batch):
    encodings = tok.encode_batch(batch)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    types = np.array([e.type_ids for e in encodings], dtype=np.int64)
    names = {i.name for i in model.get_inputs()}
    inputs = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in names:
        inputs["token_type_ids"] = types
    return model.run(None, inputs)[0], mask


def embed(tok, model, texts):
    for batch in batches(texts, 32):
        hidden, mask = feed(tok, model, batch)
        summed = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        summed / np.linalg.norm(summed, axis=1, keepdims=True)


def entities(tok, model, texts):
    for batch in batches(texts, 16):
        logits, _ = feed(tok, model, batch)
        logits.argmax(-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", required=True)
    parser.add_argument("--sentences", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    texts = [l for l in open(args.sentences, encoding="utf-8").read().splitlines() if l.strip()]
    minilm = session(f"{args.models}/minilm/model.onnx", args.threads)
    rampart = session(f"{args.models}/rampart/model.onnx", args.threads)
    minilm_tok = tokenizer(f"{args.models}/minilm/tokenizer.json", 256)
    rampart_tok = tokenizer(f"{args.models}/rampart/tokenizer.json", 512)
    embed(minilm_tok, minilm, texts[:32])
    entities(rampart_tok, rampart, texts[:16])
    started = time.perf_counter()
    embed(minilm_tok, minilm, texts)
    embed_rate = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    entities(rampart_tok, rampart, texts)
    entity_rate = len(texts) / (time.perf_counter() - started)
    print(f"peer language sentences={len(texts)} embed_rate={embed_rate:.1f} entity_rate={entity_rate:.1f}")


if __name__ == "__main__":
    main()
