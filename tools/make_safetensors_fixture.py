#!/usr/bin/env python3
"""Writes the safetensors fixtures of Tests/NNTests/Fixtures/safetensors/ with
Python's `safetensors` (the reference Rust implementation), so the Swift reader
and writer are tested against files it made.

  reference.safetensors  F32, F64, F16 and BF16 tensors (subnormals, ±0, ±inf,
                         NaN, extremes), a scalar, an empty tensor, metadata
  f32_only.safetensors   F32 tensors + metadata: the Swift writer must produce
                         these exact bytes
  expected.json          per tensor of reference.safetensors: dtype, shape and
                         the float32 bit patterns the reader must return

Usage: python3 tools/make_safetensors_fixture.py  (needs numpy and safetensors;
never run by tests). With `--check FILE` it instead loads a Swift-written file
with safetensors and prints its tensors.
"""
import json
import os
import sys

import numpy as np
from safetensors import TensorSpec, serialize_file
from safetensors.numpy import load_file, save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "NNTests", "Fixtures", "safetensors")


def bfloat16_bits(values):
    """Round-to-nearest-even float32 -> bfloat16 bit patterns (NaN kept quiet)."""
    bits = np.asarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(np.asarray(values, dtype="<f4"))
    rounded[nan] = 0x7FC0
    return rounded.astype("<u2")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(11)
    special = [0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 2.0 ** -24, -(2.0 ** -24), 2.0 ** -14,
               6.1e-5, 3.0e-6, np.inf, -np.inf, np.nan, 0.333251953125, 1234.5]
    f16 = np.array(special + list(rng.standard_normal(8)), dtype="<f2")
    bf16_source = np.array([0.0, -0.0, 1.0, -3.140625, 1e38, -1e-38, 9.2e-41, np.inf, -np.inf, np.nan]
                           + list(rng.standard_normal(6) * 100), dtype="<f4")
    bf16 = bfloat16_bits(bf16_source)
    tensors = {
        "conv.weight": {"dtype": "F32", "shape": [2, 1, 2, 2],
                        "data": rng.standard_normal((2, 1, 2, 2)).astype("<f4").tobytes()},
        "f64.vector": {"dtype": "F64", "shape": [5],
                       "data": np.array([0.1, -1e-300, 1e300, 3.0, -7.25], dtype="<f8").tobytes()},
        "half.values": {"dtype": "F16", "shape": [f16.size], "data": f16.tobytes()},
        "bfloat.values": {"dtype": "BF16", "shape": [2, bf16.size // 2], "data": bf16.tobytes()},
        "scalar": {"dtype": "F32", "shape": [], "data": np.array(4.5, dtype="<f4").tobytes()},
        "empty": {"dtype": "F32", "shape": [0, 3], "data": b""},
        "label.ids": {"dtype": "I64", "shape": [3], "data": np.array([1, 2, 3], dtype="<i8").tobytes()},
    }
    metadata = {"format": "pt", "note": "made by tools/make_safetensors_fixture.py"}
    names = {"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16", "I64": "int64"}
    buffers = {name: np.frombuffer(spec["data"] or b"\0", dtype=np.uint8).copy() for name, spec in tensors.items()}
    specs = {name: TensorSpec(dtype=names[spec["dtype"]], shape=spec["shape"],
                              data_ptr=buffers[name].ctypes.data, data_len=len(spec["data"]))
             for name, spec in tensors.items()}
    serialize_file(specs, os.path.join(OUT, "reference.safetensors"), metadata=metadata)

    expected = {}
    for name, spec in tensors.items():
        if spec["dtype"] == "I64":
            continue
        if spec["dtype"] == "BF16":
            as_f32 = (np.frombuffer(spec["data"], dtype="<u2").astype("<u4") << 16).view("<f4")
        else:
            with np.errstate(over="ignore"):  # 1e300 becomes inf in float32, as in Swift
                as_f32 = np.frombuffer(spec["data"], dtype={"F32": "<f4", "F64": "<f8", "F16": "<f2"}[spec["dtype"]]).astype("<f4")
        expected[name] = {"dtype": spec["dtype"], "shape": spec["shape"],
                          "bits": [int(b) for b in as_f32.view("<u4")]}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)

    f32_only = {
        "b.bias": np.arange(3, dtype="<f4") - 1,
        "a.weight": (rng.standard_normal((3, 2)) * 10).astype("<f4"),
        "z": np.array(0.5, dtype="<f4"),
    }
    save_file(f32_only, os.path.join(OUT, "f32_only.safetensors"), metadata={"epoch": "3", "quote\"d": "a\\b\n"})
    for name in ("reference.safetensors", "f32_only.safetensors"):
        os.chmod(os.path.join(OUT, name), 0o644)


def check(path):
    for name, array in sorted(load_file(path).items()):
        print(name, array.dtype, list(array.shape), array.ravel()[:6].tolist())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        main()
