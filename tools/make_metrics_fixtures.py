#!/usr/bin/env python3
"""Writes Tests/QualityMetricsTests/Fixtures/frechet.json: feature sets and the
Fréchet distance pytorch-fid's `calculate_frechet_distance` gives for them
(its code, copied below, on scipy.linalg.sqrtm), plus the unbiased polynomial
kernel MMD² of clean-fid's `kernel_distance` for one subset of all vectors;
and, for the first two cases, the statistics of each set as pytorch-fid's
`save_fid_stats` writes them (np.savez_compressed(mu=, sigma=)) into
Fixtures/stats-a.npz and stats-b.npz (features a of "well conditioned" and of
"near singular": two dimensions, for the mismatch error).

Run (never by the tests):  pip install numpy scipy
                           python tools/make_metrics_fixtures.py
"""
import json
import os
import tempfile

import numpy as np
from scipy import linalg

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "QualityMetricsTests", "Fixtures", "frechet.json")


def calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid 0.3.0, fid_score.calculate_frechet_distance."""
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def mmd(x, y):
    """clean-fid's kernel_distance for one subset holding every vector (m = n_x = n_y)."""
    n = x.shape[1]
    m = x.shape[0]
    a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
    b = (x @ y.T / n + 1) ** 3
    return ((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m


def main():
    rng = np.random.default_rng(20261204)
    cases = []
    for name, n, d, shift, rank in [("well conditioned", 300, 16, 0.3, None), ("near singular", 40, 32, 0.1, None),
                                    ("low rank", 200, 12, 0.0, 3), ("shifted", 500, 4, 2.0, None)]:
        a = rng.standard_normal((n, d))
        b = rng.standard_normal((n, d)) * 1.3 + shift
        if rank is not None:
            basis = rng.standard_normal((rank, d))
            a = rng.standard_normal((n, rank)) @ basis
            b = rng.standard_normal((n, rank)) @ basis * 0.8
        a = a.astype(np.float32)
        b = b.astype(np.float32)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        mu1, mu2 = a64.mean(axis=0), b64.mean(axis=0)
        s1, s2 = np.cov(a64, rowvar=False), np.cov(b64, rowvar=False)
        cases.append({"name": name, "count": n, "dimension": d,
                      "a": [float(v) for v in a.reshape(-1)], "b": [float(v) for v in b.reshape(-1)],
                      "mu_a": list(mu1), "sigma_a": [float(v) for v in s1.reshape(-1)],
                      "frechet": float(calculate_frechet_distance(mu1, s1, mu2, s2)),
                      "mmd": float(mmd(b64, a64))})
    for case, file in [(cases[0], "stats-a.npz"), (cases[1], "stats-b.npz")]:
        a = np.array(case["a"], dtype=np.float64).reshape(case["count"], case["dimension"])
        np.savez_compressed(os.path.join(os.path.dirname(os.path.abspath(OUT)), file),
                            mu=np.mean(a, axis=0), sigma=np.cov(a, rowvar=False))
    data = {"generator": "tools/make_metrics_fixtures.py", "cases": cases}
    directory = os.path.dirname(os.path.abspath(OUT))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, separators=(",", ":"))
    os.chmod(temporary, 0o644)
    os.replace(temporary, OUT)
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
