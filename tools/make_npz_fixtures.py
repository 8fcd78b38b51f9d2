#!/usr/bin/env python3
"""Writes the .npz fixtures of Tests/DatasetsTests/Fixtures/npz/ with NumPy, so
the Swift NPZ reader is tested against archives NumPy wrote:
- stats.npz: np.savez_compressed(mu=float64 (3,), sigma=float64 (3, 3)), the
  layout of pytorch-fid's statistics files;
- plain.npz: np.savez (stored, not deflated) of a float32 (2, 3) array in
  Fortran order and a uint8 vector.
expected.json holds each array's shape and values (C order, as float64).
Usage: python3 tools/make_npz_fixtures.py (needs numpy; never run by tests)."""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DatasetsTests", "Fixtures", "npz")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(11)
    a = rng.standard_normal((5, 3))
    stats = {"mu": a.mean(axis=0), "sigma": np.cov(a, rowvar=False)}
    plain = {"weights": np.asfortranarray(rng.standard_normal((2, 3)).astype("<f4")),
             "labels": np.arange(4, dtype="u1")}
    np.savez_compressed(os.path.join(OUT, "stats.npz"), **stats)
    np.savez(os.path.join(OUT, "plain.npz"), **plain)
    expected = {}
    for file, arrays in [("stats.npz", stats), ("plain.npz", plain)]:
        expected[file] = {name: {"shape": list(v.shape),
                                 "values": [float(x) for x in np.ascontiguousarray(v).astype("<f8").ravel()]}
                          for name, v in arrays.items()}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
