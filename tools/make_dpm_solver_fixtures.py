#!/usr/bin/env python3
"""Writes Tests/DiffusionTests/Fixtures/diffusers_dpm_solver_variants.json:
trajectories of huggingface diffusers' DPMSolverMultistepScheduler in the
variants beyond 2M — third order (DPM-Solver++ 3M) and the SDE form
(algorithm_type "sde-dpmsolver++", orders 2 and 3) — and of
UniPCMultistepScheduler (bh2, orders 2 and 3), driven by seeded random model
outputs, with the SDE noise passed in (variance_noise) and recorded.

The schedule's alphas_cumprod and sigmas are replaced by their float64
values (as tools/make_scheduler_fixtures.py does); diffusers still computes
each update in float32.

Run (never by the tests):  pip install torch diffusers
                           python tools/make_dpm_solver_fixtures.py
"""
import json
import os
import tempfile

import numpy as np
import torch
import diffusers
from diffusers import DPMSolverMultistepScheduler, UniPCMultistepScheduler

T = 1000
SHAPE = (2, 2, 3)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DiffusionTests", "Fixtures",
                   "diffusers_dpm_solver_variants.json")


def flat(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def representable(x):
    return np.asarray(x, dtype=np.float32)


def case(rng, order, algorithm, steps, prediction):
    if algorithm == "unipc":
        s = UniPCMultistepScheduler(num_train_timesteps=T, beta_schedule="linear", solver_order=order,
                                    prediction_type=prediction)
    else:
        s = DPMSolverMultistepScheduler(num_train_timesteps=T, beta_schedule="linear", solver_order=order,
                                        algorithm_type=algorithm, prediction_type=prediction)
    s.set_timesteps(steps)
    timesteps = [int(v) for v in s.timesteps]
    ac = np.cumprod(1 - np.linspace(1e-4, 0.02, T, dtype=np.float64))
    s.alphas_cumprod = torch.from_numpy(ac)
    sig = ((1 - ac) / ac) ** 0.5
    s.sigmas = torch.from_numpy(np.concatenate([sig[np.array(timesteps)], [0.0]]))
    initial = representable(rng.standard_normal(SHAPE))
    x = torch.tensor(initial, dtype=torch.float64)
    outputs, noises, samples = [], [], []
    for t in timesteps:
        output = representable(rng.standard_normal(SHAPE))
        noise = representable(rng.standard_normal(SHAPE))
        outputs.append(flat(output))
        noises.append(flat(noise))
        if algorithm == "unipc":
            x = s.step(torch.tensor(output, dtype=torch.float64), t, x).prev_sample
        else:
            x = s.step(torch.tensor(output, dtype=torch.float64), t, x,
                       variance_noise=torch.tensor(noise, dtype=torch.float64)).prev_sample
        samples.append(flat(x))
    return {"order": order, "algorithm_type": algorithm, "prediction_type": prediction, "num_inference_steps": steps,
            "timesteps": timesteps, "initial_sample": flat(initial), "model_outputs": outputs, "noises": noises,
            "samples": samples}


def main():
    rng = np.random.default_rng(20261204)
    configs = [(3, "dpmsolver++", 10, "epsilon"), (3, "dpmsolver++", 20, "epsilon"), (3, "dpmsolver++", 16, "v_prediction"),
               (2, "sde-dpmsolver++", 12, "epsilon"), (3, "sde-dpmsolver++", 8, "epsilon"),
               (3, "sde-dpmsolver++", 18, "v_prediction"),
               (2, "unipc", 10, "epsilon"), (2, "unipc", 20, "epsilon"), (3, "unipc", 12, "epsilon"),
               (3, "unipc", 20, "v_prediction")]
    data = {"generator": "tools/make_dpm_solver_fixtures.py", "diffusers_version": diffusers.__version__,
            "torch_version": torch.__version__, "shape": list(SHAPE), "cases": [case(rng, *c) for c in configs]}
    directory = os.path.dirname(os.path.abspath(OUT))
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, separators=(",", ":"))
    os.chmod(temporary, 0o644)
    os.replace(temporary, OUT)
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
