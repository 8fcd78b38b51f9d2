#!/usr/bin/env python3
"""Writes the .npy fixtures of Tests/DatasetsTests/Fixtures/npy/ with NumPy and
expected.json (file -> {shape, values as float32}), so the Swift NPY reader is
tested against files NumPy wrote. Usage: python3 tools/make_npy_fixtures.py
(needs numpy; never run by tests)."""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DatasetsTests", "Fixtures", "npy")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    arrays = {
        "f4_c.npy": rng.standard_normal((2, 3, 4)).astype("<f4"),
        "f8_big_endian.npy": rng.standard_normal(5).astype(">f8"),
        "u1.npy": rng.integers(0, 256, (3, 2, 2)).astype("u1"),
        "f4_fortran.npy": np.asfortranarray(rng.standard_normal((3, 4)).astype("<f4")),
        "f4_scalar.npy": np.array(2.5, dtype="<f4"),
        "f4_empty.npy": np.zeros((0, 3), dtype="<f4"),
    }
    expected = {}
    for name, array in arrays.items():
        np.save(os.path.join(OUT, name), array)
        expected[name] = {"shape": list(array.shape),
                          "values": [float(v) for v in np.ascontiguousarray(array).astype("<f4").ravel(order="C")]}
    with open(os.path.join(OUT, "f8_v2.npy"), "wb") as f:
        array = rng.standard_normal((2, 2))
        np.lib.format.write_array(f, array, version=(2, 0))
        expected["f8_v2.npy"] = {"shape": [2, 2], "values": [float(v) for v in array.astype("<f4").ravel()]}
    assert arrays["f4_fortran.npy"].flags.f_contiguous
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(expected)} fixtures to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
