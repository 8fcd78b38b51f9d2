#!/usr/bin/env python3
"""The PyTorch + diffusers side of `ddpm bench model`: the same model, batch,
loss and optimiser, printing one JSON line with the same keys.

A comparison tool only (never run by the tests or CI; Python is no dependency
of the project). Needs: pip install torch diffusers.

  python3 bench/pytorch_reference.py [--config FILE] [--batch-size 64] [--threads N]
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
from diffusers import DDIMScheduler, UNet2DModel


def conv_flops(model, batch, height, width, in_channels):
    """FLOPs (2 per multiply-add) of one forward: convolutions, linear layers and attention matmuls."""
    total = 0

    def conv_hook(module, inputs, output):
        nonlocal total
        out = output
        total += 2 * out.numel() * module.in_channels * module.kernel_size[0] * module.kernel_size[1]

    def linear_hook(module, inputs, output):
        nonlocal total
        total += 2 * output.numel() * module.in_features

    def attention_hook(module, inputs, output):
        nonlocal total
        b, channels, height, width = inputs[0].shape
        n = height * width
        total += 2 * 2 * b * n * n * channels  # q·kᵀ and p·v over all heads

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif m.__class__.__name__ == "Attention":
            hooks.append(m.register_forward_hook(attention_hook))
    with torch.no_grad():
        model(torch.randn(batch, in_channels, height, width), torch.zeros(batch, dtype=torch.long))
    for h in hooks:
        h.remove()
    return total


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--config", default=os.path.join(here, "..", "..", "shared", "bench", "mnist-unet-s.json"))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = {k: v for k, v in json.load(open(args.config)).items() if not k.startswith("_")}
    model = UNet2DModel(**config)
    size = config["sample_size"]
    h, w = (size, size) if isinstance(size, int) else size
    c = config["in_channels"]
    b = args.batch_size
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    alphas_cumprod = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000), 0)

    def train_step():
        x0 = torch.randn(b, c, h, w)
        t = torch.randint(0, 1000, (b,))
        noise = torch.randn_like(x0)
        a = alphas_cumprod[t].view(b, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = torch.nn.functional.mse_loss(model(xt, t).sample, noise)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    times = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        train_step()
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    train_ms = statistics.median(times) * 1000

    model.eval()
    x = torch.randn(b, c, h, w)
    t = torch.full((b,), 500)
    forward = []
    with torch.no_grad():
        for i in range(3 + 10):
            start = time.perf_counter()
            model(x, t)
            if i >= 3:
                forward.append(time.perf_counter() - start)
    forward_ms = statistics.median(forward) * 1000

    scheduler = DDIMScheduler(num_train_timesteps=1000)
    scheduler.set_timesteps(50)
    sample = torch.randn(b, c, h, w)
    start = time.perf_counter()
    with torch.no_grad():
        for step in scheduler.timesteps:
            sample = scheduler.step(model(sample, step).sample, step, sample).prev_sample
    ddim_s = time.perf_counter() - start

    flops = conv_flops(model, 1, h, w, c)
    gflops = 3 * flops * b / (train_ms / 1000) / 1e9
    isa = torch.backends.cpu.get_cpu_capability()
    print(json.dumps({
        "train_step_ms": round(train_ms, 1), "forward_ms": round(forward_ms, 1), "ddim50_s": round(ddim_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "params": params,
        "gflop_per_forward": round(flops / 1e9, 4), "gflops": round(gflops, 1), "threads": args.threads,
        "isa": isa, "implementation": f"torch {torch.__version__} + diffusers",
    }))


if __name__ == "__main__":
    main()
