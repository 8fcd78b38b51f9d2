#!/usr/bin/env python3
"""Writes Tests/QualityMetricsTests/Fixtures/precision_recall.json: two feature sets and
the improved precision and recall (Kynkäänniemi et al. 2019, k = 3) their
reference implementation's logic gives (radii: the k-th smallest distance to the
set's other vectors; a vector is inside a manifold if within some ball).

Run (never by the tests):  pip install numpy
                           python tools/make_precision_recall_fixture.py
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "QualityMetricsTests", "Fixtures", "precision_recall.json")


def distances(a, b):
    return np.sqrt(((a[:, None, :].astype(np.float64) - b[None, :, :].astype(np.float64)) ** 2).sum(-1))


def radii(x, k):
    d = distances(x, x)
    return np.partition(d, k, axis=1)[:, k]  # index 0 is the vector itself (distance 0)


def inside(queries, centres, centre_radii):
    return (distances(queries, centres) <= centre_radii[None, :]).any(axis=1).mean()


def main():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(80, 6)).astype(np.float32)
    generated = (rng.normal(size=(70, 6)) * 0.6 + 0.5).astype(np.float32)  # narrower and shifted: precision > recall
    k = 3
    precision = inside(generated, real, radii(real, k))
    recall = inside(real, generated, radii(generated, k))
    with open(OUT, "w") as f:
        json.dump({"dimension": 6, "k": k, "real": real.reshape(-1).tolist(), "generated": generated.reshape(-1).tolist(),
                   "precision": float(precision), "recall": float(recall)}, f)
    print(f"precision {precision:.4f} recall {recall:.4f}")


if __name__ == "__main__":
    main()
