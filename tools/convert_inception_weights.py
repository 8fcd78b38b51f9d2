#!/usr/bin/env python3
"""Converts pytorch-fid's FID Inception weights to the safetensors file that
`ddpm eval --fid --features inception --inception FILE` (and `ddpm fid`) read.

    curl -LO https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
    pip install torch safetensors
    python tools/convert_inception_weights.py pt_inception-2015-12-05-6726825d.pth inception-fid.safetensors

Keeps every convolution and BatchNorm tensor under its state-dict name
(`Mixed_5b.branch1x1.conv.weight`, `….bn.running_var`, …) as float32, and
drops the classifier (`fc.*`) and the BatchNorm step counters.
"""
import sys

import torch
from safetensors.torch import save_file


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: convert_inception_weights.py pt_inception-2015-12-05-6726825d.pth OUT.safetensors")
    source, target = sys.argv[1], sys.argv[2]
    state = torch.load(source, map_location="cpu", weights_only=True)
    kept = {name: tensor.float().contiguous() for name, tensor in state.items()
            if not name.startswith("fc.") and not name.endswith("num_batches_tracked")}
    if "Mixed_7c.branch_pool.conv.weight" not in kept:
        sys.exit(f"{source}: not pytorch-fid's FID Inception state dict (no Mixed_7c.branch_pool.conv.weight)")
    save_file(kept, target, metadata={"source": "pytorch-fid pt_inception-2015-12-05-6726825d.pth"})
    print(f"wrote {target}: {len(kept)} tensors, {sum(t.numel() for t in kept.values()):,} values")


if __name__ == "__main__":
    main()
