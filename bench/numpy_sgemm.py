#!/usr/bin/env python3
"""numpy `A @ B` GFLOP/s on the shapes of `ddpm bench kernels` (and `a + b`
bandwidth), as one JSON line.

A comparison tool only: never run by the tests or CI. It measures numpy's
bundled OpenBLAS with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the
environment (so OpenBLAS detects the CPU and picks its own kernel) and
OPENBLAS_NUM_THREADS set to --threads. Each figure is the median of several
runs after a warm-up run, like `ddpm bench kernels`.

    python3 bench/numpy_sgemm.py --threads 1 > numpy1.json
    swift run -c release ddpm bench kernels --threads 1 > ours1.json
    python3 bench/numpy_sgemm.py --ratio ours1.json numpy1.json
"""
import argparse
import json
import math
import os
import sys
import time

SHAPES = [(512, 512, 512, False, False), (1024, 1024, 1024, False, False)]
for _m, _n, _k in [(50176, 32, 288), (12544, 64, 576), (3136, 128, 1152)]:
    SHAPES += [(_m, _n, _k, False, False),  # forward
               (_m, _k, _n, False, True),   # input gradient: G · Wᵀ
               (_n, _k, _m, True, False)]   # weight gradient: Gᵀ · X


def measure(np, m, n, k, trans_a, trans_b):
    rng = np.random.default_rng(1)
    # Transposed operands are transposed views, which numpy hands to BLAS as
    # transpose flags (no copy), like ddpm's trans_a / trans_b.
    a = rng.standard_normal((k, m), dtype=np.float32).T if trans_a else rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((n, k), dtype=np.float32).T if trans_b else rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)
    runs = max(5, min(31, int(0.5 / (2 * m * n * k / 100e9))))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - start)
    return 2 * m * n * k / sorted(times)[runs // 2] / 1e9


def elementwise_gbps(np):
    """GB/s of a + b on 16M floats (a fresh result each time, like a Tensor add),
    counting two reads and one write per element."""
    count = 16 << 20
    rng = np.random.default_rng(2)
    a = rng.standard_normal(count, dtype=np.float32)
    b = rng.standard_normal(count, dtype=np.float32)
    a + b
    times = []
    for _ in range(11):
        start = time.perf_counter()
        a + b
        times.append(time.perf_counter() - start)
    return 3 * 4 * count / sorted(times)[5] / 1e9


def corename(np):
    """OpenBLAS's name for the kernel it chose, if its library can be found."""
    import ctypes
    import glob
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libscipy_openblas*.so*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
                if hasattr(lib, name):
                    fn = getattr(lib, name)
                    fn.restype = ctypes.c_char_p
                    return fn().decode()
        except OSError:
            continue
    return "unknown"


def ratio(ours_path, numpy_path):
    """Prints the geometric mean of ours / numpy over the shapes both measured."""
    def load(path):
        with open(path) as f:
            rows = json.loads(f.readline())["sgemm"]
        return {(r["m"], r["n"], r["k"], r["trans_a"], r["trans_b"]): r["gflops"] for r in rows}
    ours, theirs = load(ours_path), load(numpy_path)
    keys = [key for key in ours if key in theirs]
    logs = []
    for key in keys:
        logs.append(math.log(ours[key] / theirs[key]))
        print("%-32s ours %7.1f numpy %7.1f ratio %.2f" % (key, ours[key], theirs[key], ours[key] / theirs[key]))
    print("geomean ratio %.3f over %d shapes" % (math.exp(sum(logs) / len(logs)), len(keys)))


def main():
    parser = argparse.ArgumentParser(description="numpy A @ B GFLOP/s on the shapes of ddpm bench kernels.")
    parser.add_argument("--threads", type=int, default=1, help="OPENBLAS_NUM_THREADS (default 1)")
    parser.add_argument("--ratio", nargs=2, metavar=("OURS", "NUMPY"),
                        help="print the geomean ratio of two JSON lines instead of measuring")
    args = parser.parse_args()
    if args.ratio:
        ratio(*args.ratio)
        return
    if args.threads < 1:
        sys.exit("--threads must be at least 1, got %d" % args.threads)
    # OpenBLAS reads these when it loads, so they must be set before numpy is imported.
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ.pop("OPENBLAS_L2_SIZE", None)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import numpy as np
    rows = [{"m": m, "n": n, "k": k, "trans_a": ta, "trans_b": tb,
             "gflops": round(measure(np, m, n, k, ta, tb), 1)} for (m, n, k, ta, tb) in SHAPES]
    print(json.dumps({"isa": "numpy-openblas-" + corename(np).lower(), "threads": args.threads,
                      "sgemm": rows, "conv": [], "elementwise_gbps": round(elementwise_gbps(np), 1)}, separators=(",", ":")))


if __name__ == "__main__":
    main()
