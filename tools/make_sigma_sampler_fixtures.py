#!/usr/bin/env python3
"""Writes Tests/DiffusionTests/Fixtures/diffusers_sigma_samplers.json: whole
trajectories of huggingface diffusers' EulerDiscreteScheduler,
EulerAncestralDiscreteScheduler and HeunDiscreteScheduler for the Swift
σ-space sampler tests.

Each case records the scheduler's sigmas, its (continuous) timesteps and
init_noise_sigma, then drives it with seeded random "model outputs": for
every model evaluation the scaled model input and timestep diffusers would
feed the network, and the sample after every step. The ancestral sampler's
noise is drawn here and recorded (diffusers' randn_tensor is patched to
return it). Inputs are rounded to float32; the schedule's alphas_cumprod is
replaced by its float64 value and the trajectory runs in float64, so the
fixture holds the exact value of diffusers' formulas (its sigmas are still
rounded to float32, as diffusers stores them).

Run (never by the tests):  pip install torch diffusers
                           python tools/make_sigma_sampler_fixtures.py
"""
import json
import math
import os
import tempfile

import numpy as np
import torch
import diffusers
import diffusers.schedulers.scheduling_euler_ancestral_discrete as ancestral_module
from diffusers import EulerAncestralDiscreteScheduler, EulerDiscreteScheduler, HeunDiscreteScheduler

SHAPE = (2, 2, 3)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DiffusionTests", "Fixtures", "diffusers_sigma_samplers.json")
CLASSES = {"euler": EulerDiscreteScheduler, "euler_ancestral": EulerAncestralDiscreteScheduler,
           "heun": HeunDiscreteScheduler}


def alphas_cumprod_f64(name, timesteps=1000):
    if name == "linear":
        betas = np.linspace(1e-4, 0.02, timesteps, dtype=np.float64)
    elif name == "squaredcos_cap_v2":
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = np.array([min(1 - f((i + 1) / timesteps) / f(i / timesteps), 0.999) for i in range(timesteps)])
    else:
        raise ValueError(name)
    return np.cumprod(1 - betas)


def representable(x):
    return np.asarray(x, dtype=np.float32)


def flat(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def case(rng, sampler, schedule, prediction, spacing, sigmas, steps):
    options = {"num_train_timesteps": 1000, "beta_schedule": schedule, "prediction_type": prediction,
               "timestep_spacing": spacing}
    if sigmas == "karras":
        options["use_karras_sigmas"] = True
    elif sigmas == "exponential":
        options["use_exponential_sigmas"] = True
    s = CLASSES[sampler](**options)
    s.alphas_cumprod = torch.from_numpy(alphas_cumprod_f64(schedule))
    s.set_timesteps(steps)
    initial = representable(rng.standard_normal(SHAPE))
    x = torch.tensor(initial, dtype=torch.float64) * s.init_noise_sigma
    evaluations, noises, samples = [], [], []
    original = ancestral_module.randn_tensor

    def recorded_noise(*args, **kwargs):
        noise = representable(rng.standard_normal(SHAPE))
        noises.append(flat(noise))
        return torch.tensor(noise, dtype=torch.float64)

    ancestral_module.randn_tensor = recorded_noise
    try:
        for t in s.timesteps:
            model_input = s.scale_model_input(x, t)
            output = representable(rng.standard_normal(SHAPE))
            evaluations.append({"timestep": float(t), "model_input": flat(model_input), "model_output": flat(output)})
            x = s.step(torch.tensor(output, dtype=torch.float64), t, x).prev_sample
            samples.append(flat(x))
    finally:
        ancestral_module.randn_tensor = original
    return {"sampler": sampler, "schedule": schedule, "prediction_type": prediction, "spacing": spacing,
            "sigmas_kind": sigmas, "num_inference_steps": steps,
            "sigmas": flat(s.sigmas), "timesteps": flat(s.timesteps), "init_noise_sigma": float(s.init_noise_sigma),
            "initial_noise": flat(initial), "evaluations": evaluations, "noises": noises, "samples": samples}


def main():
    rng = np.random.default_rng(20261203)
    configs = [
        ("euler", "linear", "epsilon", "linspace", "model", 10),
        ("euler", "linear", "v_prediction", "trailing", "karras", 8),
        ("euler", "squaredcos_cap_v2", "epsilon", "leading", "exponential", 6),
        ("euler", "linear", "sample", "linspace", "karras", 5),
        ("euler_ancestral", "linear", "epsilon", "linspace", "model", 10),
        ("euler_ancestral", "linear", "v_prediction", "trailing", "model", 7),
        ("heun", "linear", "epsilon", "linspace", "model", 6),
        ("heun", "linear", "epsilon", "linspace", "karras", 5),
        ("heun", "linear", "v_prediction", "trailing", "model", 4),
    ]
    data = {"generator": "tools/make_sigma_sampler_fixtures.py", "diffusers_version": diffusers.__version__,
            "torch_version": torch.__version__, "shape": list(SHAPE),
            "cases": [case(rng, *config) for config in configs]}
    directory = os.path.dirname(os.path.abspath(OUT))
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, separators=(",", ":"))
    os.replace(temporary, OUT)
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
