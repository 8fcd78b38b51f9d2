#!/usr/bin/env python3
"""Writes Tests/QualityMetricsTests/Fixtures/inception.json: the pool3 features that
pytorch-fid's own FID Inception-v3 (its `InceptionV3` class, resize to 299×299
and input scaling on) gives for two small images, with every weight and
BatchNorm statistic set by a hash of the tensor's name and the element's index
(`hashed_values` below), which InceptionV3FIDTests recomputes in Swift, so no
weights are committed. A real run uses the converted pytorch-fid weights
(tools/convert_inception_weights.py).

Run (never by the tests):  pip install torch torchvision pytorch-fid numpy
                           python tools/make_inception_fixtures.py
"""
import json
import os

import numpy as np
import torch
import pytorch_fid.inception as fid_inception

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "QualityMetricsTests", "Fixtures", "inception.json")
MASK = (1 << 32) - 1


def name_seed(name):
    """Σ (j + 1)·byte_j over the name's UTF-8 bytes, mod 2³²."""
    return sum((j + 1) * b for j, b in enumerate(name.encode())) & MASK


def hashed_values(name, count):
    """Uniform values in [−1, 1): a 32-bit integer hash of (name, index)."""
    i = np.arange(count, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(name_seed(name)) * np.uint64(40503)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x45D9F3B)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x45D9F3B)) & np.uint64(MASK)
    h ^= h >> np.uint64(16)
    return h.astype(np.float64) / 2.0**32 * 2 - 1


def value_for(name, shape):
    """The fixture's value of a state-dict entry (see InceptionV3FIDTests.hashedWeights)."""
    count = int(np.prod(shape))
    u = hashed_values(name, count)
    if name.endswith("conv.weight"):
        fan_in = int(np.prod(shape[1:]))
        v = u * np.sqrt(6.0 / fan_in)  # He-uniform: activations keep their scale through the ReLUs
    elif name.endswith("bn.weight"):
        v = 1 + 0.2 * u
    elif name.endswith("bn.bias"):
        v = 0.1 * u
    elif name.endswith("bn.running_mean"):
        v = 0.1 * u
    elif name.endswith("bn.running_var"):
        v = 1 + 0.5 * u
    else:
        raise ValueError(name)
    return v.reshape(shape)


def fid_inception_v3_hashed():
    """pytorch-fid's fid_inception_v3 with the hashed values instead of the download."""
    inception = fid_inception._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    inception.Mixed_5b = fid_inception.FIDInceptionA(192, pool_features=32)
    inception.Mixed_5c = fid_inception.FIDInceptionA(256, pool_features=64)
    inception.Mixed_5d = fid_inception.FIDInceptionA(288, pool_features=64)
    inception.Mixed_6b = fid_inception.FIDInceptionC(768, channels_7x7=128)
    inception.Mixed_6c = fid_inception.FIDInceptionC(768, channels_7x7=160)
    inception.Mixed_6d = fid_inception.FIDInceptionC(768, channels_7x7=160)
    inception.Mixed_6e = fid_inception.FIDInceptionC(768, channels_7x7=192)
    inception.Mixed_7b = fid_inception.FIDInceptionE_1(1280)
    inception.Mixed_7c = fid_inception.FIDInceptionE_2(2048)
    state = inception.state_dict()
    for name, tensor in state.items():
        if name.startswith("fc.") or name.endswith("num_batches_tracked"):
            continue
        state[name] = torch.tensor(value_for(name, tuple(tensor.shape)), dtype=torch.float32)
    inception.load_state_dict(state)
    return inception


def main():
    fid_inception.fid_inception_v3 = fid_inception_v3_hashed
    model = fid_inception.InceptionV3([3], resize_input=True, normalize_input=True, use_fid_inception=True).eval()
    rng = np.random.default_rng(0)
    # Two RGB images in [0, 1] of 32×32 (CIFAR's size): resized to 299×299 inside.
    images = rng.uniform(0, 1, size=(2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        features = model(torch.from_numpy(images))[0].squeeze(-1).squeeze(-1).double().numpy()
    names = sorted(k for k in fid_inception_v3_hashed().state_dict() if not k.startswith("fc.")
                   and not k.endswith("num_batches_tracked"))
    with open(OUT, "w") as f:
        json.dump({"shape": list(images.shape), "images": images.reshape(-1).tolist(),
                   "features": features.reshape(-1).tolist(), "tensor_count": len(names),
                   "hash_check": {"name": "Mixed_5b.branch1x1.conv.weight",
                                  "first": hashed_values("Mixed_5b.branch1x1.conv.weight", 4).tolist()}}, f)
    print(f"wrote {OUT}: features of {images.shape[0]} images, mean {features.mean():.4f}, std {features.std():.4f}")


if __name__ == "__main__":
    main()
