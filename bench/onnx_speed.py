#!/usr/bin/env python3
"""Times image models in Python ONNX Runtime: per-picture latency and pictures per second.

Usage: bench/onnx_speed.py MODEL.onnx... [--threads 1 2] [--seconds 5] [--batch 1 8]

For each model, thread count and batch size, a session with that many intra-op threads
(inter-op 1, sequential execution, all graph optimisations, as Mediaport's sessions) runs
on a seeded random input in the model's input shape (free dimensions: the batch size)
for about --seconds after five warm-up runs. Prints one line each:

  <model> threads=<t> batch=<b> ms_per_run median=<m> p90=<p> pictures_per_s=<x>

pictures_per_s is batch / mean run time. Needs numpy and onnxruntime (the check
environment models/check_nanodet.py makes has both). The machine should be otherwise idle.
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort


def run(model: Path, threads: int, batch: int, seconds: float) -> str:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    [spec] = session.get_inputs()
    shape = [d if isinstance(d, int) and d > 0 else batch for d in spec.shape]
    if shape[0] != batch:
        return f"{model.name} threads={threads} batch={batch} skipped (fixed batch {shape[0]})"
    feed = {spec.name: np.random.default_rng(0).uniform(0, 1, shape).astype(np.float32)}
    for _ in range(5):
        session.run(None, feed)
    times = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds or len(times) < 10:
        t0 = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - t0)
    times.sort()
    median = statistics.median(times) * 1000
    p90 = times[int(0.9 * (len(times) - 1))] * 1000
    rate = batch / statistics.mean(times)
    return (f"{model.name} threads={threads} batch={batch} ms_per_run median={median:.2f} "
            f"p90={p90:.2f} pictures_per_s={rate:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, nargs="+", default=[1])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"onnxruntime {ort.__version__}", flush=True)
    for model in args.models:
        for threads in args.threads:
            for batch in args.batch:
                print(run(model, threads, batch, args.seconds), flush=True)


if __name__ == "__main__":
    main()
