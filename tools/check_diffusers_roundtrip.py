#!/usr/bin/env python3
"""Checks that a model folder saved by Swift loads in diffusers with equal outputs.

  DDPM_ROUNDTRIP_DIR=/tmp/rt swift test --filter testSavedFolderLoadsBackWithEqualOutputs
  python3 tools/check_diffusers_roundtrip.py /tmp/rt

The Swift test saves the folder with ModelFolder.save plus io.safetensors
(input, timesteps and the Swift output); this script loads the folder with
UNet2DModel.from_pretrained and compares (with the class labels, for the
class-conditional folder the test saves in /tmp/rt-class). Needs: pip install torch diffusers.
"""
import sys

import torch
from diffusers import DDPMScheduler, UNet2DModel
from safetensors.torch import load_file

folder = sys.argv[1]
model = UNet2DModel.from_pretrained(folder).eval()
DDPMScheduler.from_pretrained(folder)
io = load_file(f"{folder}/io.safetensors")
with torch.no_grad():
    labels = io["class_labels"].long() if "class_labels" in io else None
    y = model(io["x"], io["timesteps"].long(), class_labels=labels).sample
error = (y - io["output"]).abs().max().item()
print(f"diffusers vs Swift on the Swift-saved folder: max |difference| = {error:.3g}")
sys.exit(0 if error < 1e-4 else 1)
