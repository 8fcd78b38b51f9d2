#!/usr/bin/env python3
"""Makes the U-Net compatibility fixtures with huggingface diffusers.

For each configuration: build diffusers' UNet2DModel with a seeded random
initialisation, perturb every parameter (so no norm weight is 1 and no bias
is 0), run it on a fixed input and timesteps, and write
  <out>/<name>/model/config.json
  <out>/<name>/model/diffusion_pytorch_model.safetensors
  <out>/<name>/io.safetensors      (x, timesteps as float32, class_labels, output)

Usage: python3 tools/make_unet_fixtures.py [OUT_DIR] [--large]
  The small configurations are committed under Tests/DiffusionTests/Fixtures/unet.
  --large also writes the benchmark config (mnist-unet-s) and the exact
  google/ddpm-cifar10-32 config (35.7M parameters, 143 MB: not committed; the
  Swift test uses it when DDPM_LARGE_UNET_FIXTURES points at the output folder).
Needs: pip install torch diffusers safetensors. Never run by the tests or CI.
"""
import json
import os
import sys

import torch
from diffusers import UNet2DModel
from safetensors.torch import save_file

SMALL = {
    # Exercises: attention with head_dim (2 heads in the middle), downsample padding 1,
    # sin-then-cos flipped, two levels of skips, non-square input.
    "tiny-attn": dict(
        sample_size=[8, 12], in_channels=2, out_channels=2, block_out_channels=[16, 32],
        layers_per_block=1, down_block_types=["DownBlock2D", "AttnDownBlock2D"],
        up_block_types=["AttnUpBlock2D", "UpBlock2D"], attention_head_dim=16, norm_num_groups=4,
        norm_eps=1e-5, flip_sin_to_cos=True, freq_shift=0, downsample_padding=1),
    # The CIFAR-10 DDPM's options at a tiny width: no flip, freq_shift 1, eps 1e-6,
    # downsample_padding 0 (asymmetric pad), one full-width head, 3 levels, 2 layers.
    "tiny-cifar-options": dict(
        sample_size=8, in_channels=3, out_channels=3, block_out_channels=[8, 16, 16],
        layers_per_block=2, down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"], attention_head_dim=None,
        norm_num_groups=4, norm_eps=1e-6, flip_sin_to_cos=False, freq_shift=1, downsample_padding=0),
    # Class-conditional (num_class_embeds) for classifier-free guidance.
    "tiny-class": dict(
        sample_size=8, in_channels=1, out_channels=1, block_out_channels=[8, 16],
        layers_per_block=1, down_block_types=["DownBlock2D", "AttnDownBlock2D"],
        up_block_types=["AttnUpBlock2D", "UpBlock2D"], attention_head_dim=8, norm_num_groups=4,
        num_class_embeds=11),
}

LARGE = {
    "mnist-unet-s": json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench", "mnist-unet-s.json")))
    if os.path.exists(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench", "mnist-unet-s.json")) else None,
    "ddpm-cifar10-32": dict(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=[128, 256, 256, 256],
        layers_per_block=2, down_block_types=["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"], attention_head_dim=None,
        norm_num_groups=32, norm_eps=1e-6, flip_sin_to_cos=False, freq_shift=1, downsample_padding=0,
        act_fn="silu", dropout=0.1),
}


def make(name, config, out_dir, batch=2, seed=0):
    config = {k: v for k, v in config.items() if not k.startswith("_")}
    torch.manual_seed(seed)
    model = UNet2DModel(**config).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=generator))
    size = config["sample_size"]
    h, w = (size, size) if isinstance(size, int) else size
    x = torch.randn(batch, config["in_channels"], h, w, generator=generator)
    timesteps = torch.tensor([7, 731][:batch] + [500] * max(0, batch - 2))
    kwargs = {}
    labels = None
    if config.get("num_class_embeds"):
        labels = torch.tensor([3, 10][:batch])
        kwargs["class_labels"] = labels
    with torch.no_grad():
        y = model(x, timesteps, **kwargs).sample
    folder = os.path.join(out_dir, name, "model")
    model.save_pretrained(folder, safe_serialization=True)
    io = {"x": x.contiguous(), "timesteps": timesteps.float(), "output": y.contiguous()}
    if labels is not None:
        io["class_labels"] = labels.float()
    save_file(io, os.path.join(out_dir, name, "io.safetensors"))
    count = sum(p.numel() for p in model.parameters())
    print(f"{name}: {count} parameters, output |y| max {y.abs().max():.3f}")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out_dir = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "Tests", "DiffusionTests", "Fixtures", "unet")
    for name, config in SMALL.items():
        make(name, config, out_dir)
    if "--large" in sys.argv:
        for name, config in LARGE.items():
            if config is not None:
                make(name, config, out_dir, batch=2)


if __name__ == "__main__":
    main()
