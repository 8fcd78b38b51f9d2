#!/usr/bin/env python3
"""Writes Tests/DiffusionTests/Fixtures/diffusers_schedulers.json: reference
values from huggingface diffusers' DDPMScheduler, DDIMScheduler and
DPMSolverMultistepScheduler for the Swift compatibility tests.

Every quantity is recorded twice:
  *_f32  diffusers as shipped (its schedule tensors in float32);
  *_f64  the same diffusers code run with its schedule tensors replaced by
         float64 values computed in numpy, and float64 inputs, i.e. the exact
         value of diffusers' formula.
Inputs (samples, model outputs, noise) are small seeded arrays of shape
[2, 2, 3] (batch, channels, width).

Run (never by the tests):  pip install torch diffusers
                           python tools/make_scheduler_fixtures.py
"""
import json
import math
import os
import tempfile

import numpy as np
import torch
import diffusers
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler

T = 1000
SHAPE = (2, 2, 3)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DiffusionTests", "Fixtures", "diffusers_schedulers.json")


def betas_f64(name, timesteps, start=1e-4, end=0.02):
    """The float64 value of diffusers' beta formulas."""
    if name == "linear":
        return np.linspace(start, end, timesteps, dtype=np.float64)
    if name == "scaled_linear":
        return np.linspace(start ** 0.5, end ** 0.5, timesteps, dtype=np.float64) ** 2
    if name == "squaredcos_cap_v2":
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        return np.array([min(1 - f((i + 1) / timesteps) / f(i / timesteps), 0.999) for i in range(timesteps)])
    if name == "sigmoid":
        x = np.linspace(-6, 6, timesteps, dtype=np.float64)
        return 1 / (1 + np.exp(-x)) * (end - start) + start
    raise ValueError(name)


def representable(x):
    """Rounds inputs to float32 so that the float64 and float32 runs (and the
    Swift tests, which read them as Float) start from identical values."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def flat(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def make_f64(scheduler, schedule, timesteps):
    ac = np.cumprod(1 - betas_f64(schedule, timesteps))
    scheduler.alphas_cumprod = torch.from_numpy(ac)
    if hasattr(scheduler, "one"):
        scheduler.one = torch.tensor(1.0, dtype=torch.float64)
    if hasattr(scheduler, "final_alpha_cumprod"):
        scheduler.final_alpha_cumprod = torch.tensor(1.0, dtype=torch.float64)
    return ac


def schedules():
    out = {}
    for name, timesteps in [("linear", T), ("squaredcos_cap_v2", T), ("scaled_linear", 100), ("sigmoid", 100)]:
        s = DDPMScheduler(num_train_timesteps=timesteps, beta_schedule=name)
        b = betas_f64(name, timesteps)
        out[name] = {
            "T": timesteps,
            "betas_f32": flat(s.betas), "alphas_cumprod_f32": flat(s.alphas_cumprod),
            "betas_f64": flat(b), "alphas_cumprod_f64": flat(np.cumprod(1 - b)),
        }
    return out


def ddpm_cases(rng):
    cases = []
    configs = [
        ("linear", "epsilon", "fixed_small", False),
        ("linear", "epsilon", "fixed_large", True),
        ("squaredcos_cap_v2", "epsilon", "learned_range", False),
        ("squaredcos_cap_v2", "sample", "fixed_small", True),
        ("linear", "v_prediction", "fixed_small", False),
    ]
    for schedule, prediction, variance, clip in configs:
        steps = []
        for t in [999, 500, 10, 1, 0]:
            sample = representable(rng.standard_normal(SHAPE))
            channels = SHAPE[1] * (2 if variance == "learned_range" else 1)
            model_output = rng.standard_normal((SHAPE[0], channels, SHAPE[2]))
            if variance == "learned_range":
                model_output[:, SHAPE[1]:] = np.tanh(model_output[:, SHAPE[1]:])
            model_output = representable(model_output)
            noise = representable(rng.standard_normal(SHAPE))
            record = {"t": t, "sample": flat(sample), "model_output": flat(model_output), "noise": flat(noise)}
            for precision, dtype in [("f32", torch.float32), ("f64", torch.float64)]:
                s = DDPMScheduler(num_train_timesteps=T, beta_schedule=schedule, prediction_type=prediction,
                                  variance_type=variance, clip_sample=clip)
                if precision == "f64":
                    make_f64(s, schedule, T)
                # diffusers draws its noise with randn_tensor(generator); patch it to the recorded noise.
                noise_t = torch.tensor(noise, dtype=dtype)
                import diffusers.schedulers.scheduling_ddpm as ddpm_module
                original = ddpm_module.randn_tensor
                ddpm_module.randn_tensor = lambda *a, **k: noise_t
                try:
                    result = s.step(torch.tensor(model_output, dtype=dtype), t, torch.tensor(sample, dtype=dtype))
                finally:
                    ddpm_module.randn_tensor = original
                record["prev_sample_" + precision] = flat(result.prev_sample)
                record["pred_original_sample_" + precision] = flat(result.pred_original_sample)
            steps.append(record)
        cases.append({"schedule": schedule, "prediction_type": prediction, "variance_type": variance,
                      "clip_sample": clip, "T": T, "steps": steps})
    return cases


def ddim_cases(rng):
    cases = []
    for spacing in ["leading", "linspace", "trailing"]:
        for steps_count, eta, prediction in [(10, 0.0, "epsilon"), (50, 0.5, "epsilon"), (7, 1.0, "v_prediction")]:
            base = DDIMScheduler(num_train_timesteps=T, timestep_spacing=spacing, prediction_type=prediction)
            base.set_timesteps(steps_count)
            timesteps = [int(v) for v in base.timesteps]
            records = []
            for index in [0, len(timesteps) // 2, len(timesteps) - 1]:
                t = timesteps[index]
                sample = representable(rng.standard_normal(SHAPE))
                model_output = representable(rng.standard_normal(SHAPE))
                noise = representable(rng.standard_normal(SHAPE))
                record = {"index": index, "t": t, "prev_t_diffusers": t - T // steps_count,
                          "sample": flat(sample), "model_output": flat(model_output), "noise": flat(noise)}
                for precision, dtype in [("f32", torch.float32), ("f64", torch.float64)]:
                    s = DDIMScheduler(num_train_timesteps=T, timestep_spacing=spacing, prediction_type=prediction)
                    s.set_timesteps(steps_count)
                    if precision == "f64":
                        make_f64(s, "linear", T)
                    result = s.step(torch.tensor(model_output, dtype=dtype), t, torch.tensor(sample, dtype=dtype),
                                    eta=eta, variance_noise=torch.tensor(noise, dtype=dtype))
                    record["prev_sample_" + precision] = flat(result.prev_sample)
                    record["pred_original_sample_" + precision] = flat(result.pred_original_sample)
                records.append(record)
            cases.append({"schedule": "linear", "spacing": spacing, "num_inference_steps": steps_count, "eta": eta,
                          "prediction_type": prediction, "clip_sample": True, "T": T,
                          "timesteps": timesteps, "steps": records})
    return cases


def dpm_cases(rng):
    cases = []
    for schedule, steps_count, spacing in [("linear", 20, "linspace"), ("squaredcos_cap_v2", 10, "linspace"),
                                           ("linear", 12, "trailing"), ("linear", 8, "leading")]:
        probe = DPMSolverMultistepScheduler(num_train_timesteps=T, beta_schedule=schedule, timestep_spacing=spacing)
        probe.set_timesteps(steps_count)
        timesteps = [int(v) for v in probe.timesteps]
        initial = representable(rng.standard_normal(SHAPE))
        outputs = [representable(rng.standard_normal(SHAPE)) for _ in timesteps]
        record = {"schedule": schedule, "num_inference_steps": steps_count, "spacing": spacing, "T": T,
                  "algorithm_type": "dpmsolver++", "solver_order": 2, "prediction_type": "epsilon",
                  "timesteps": timesteps, "initial_sample": flat(initial), "model_outputs": [flat(o) for o in outputs]}
        for precision, dtype in [("f32", torch.float32), ("f64", torch.float64)]:
            s = DPMSolverMultistepScheduler(num_train_timesteps=T, beta_schedule=schedule, timestep_spacing=spacing)
            s.set_timesteps(steps_count)
            if precision == "f64":
                ac = make_f64(s, schedule, T)
                sig = ((1 - ac) / ac) ** 0.5
                s.sigmas = torch.from_numpy(np.concatenate([sig[np.array(timesteps)], [0.0]]))
            x = torch.tensor(initial, dtype=dtype)
            trajectory = []
            for t, o in zip(timesteps, outputs):
                x = s.step(torch.tensor(o, dtype=dtype), t, x).prev_sample
                trajectory.append(flat(x))
            record["samples_" + precision] = trajectory
        cases.append(record)
    return cases


def main():
    rng = np.random.default_rng(20240611)
    data = {
        "generator": "tools/make_scheduler_fixtures.py",
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
        "shape": list(SHAPE),
        "schedules": schedules(),
        "ddpm": ddpm_cases(rng),
        "ddim": ddim_cases(rng),
        "dpmsolver": dpm_cases(rng),
    }
    directory = os.path.dirname(os.path.abspath(OUT))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, separators=(",", ":"))
    os.replace(temporary, OUT)
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
