#!/usr/bin/env bash
# Does the FID follow what a person sees? The benchmark model (the mnist-small
# preset) trained 300, 1424 and 2700 steps in one run (stopped and resumed, which
# gives the bits of an uninterrupted run), then 500 DPM-Solver++ samples (20
# steps, seed 0) of each against the training digits in MNIST features, and an
# 8×8 grid of each. About 35 minutes of training on 2 cores.
#
#   scripts/fid_by_steps.sh [OUT]      (default: fid-by-steps/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-fid-by-steps}"
swift build -c release --product ddpm >/dev/null
ddpm="$(swift build -c release --show-bin-path)/ddpm"
mkdir -p "$out"
previous=""
for steps in 300 1424 2700; do
  if [[ -z "$previous" ]]; then
    "$ddpm" train --data mnist --preset mnist-small --prediction v --batch-size 32 --lr 1e-3 --warmup 100 \
      --ema-decay 0.995 --seed 0 --threads 2 --checkpoint-every 100 --steps "$steps" --out "$out/run"
  else
    "$ddpm" train --out "$out/run" --resume --steps "$steps" --threads 2
  fi
  "$ddpm" sample --model "$out/run" --sampler dpm++ --steps 20 --n 500 --batch-size 100 --seed 0 \
    --npy "$out/samples-$steps.npy" --threads 2
  "$ddpm" sample --model "$out/run" --sampler dpm++ --steps 20 --n 64 --seed 0 --grid "$out/grid-$steps.png" --threads 2
  echo "steps $steps: $("$ddpm" fid "$out/samples-$steps.npy" mnist:train --threads 2)"
  previous="$steps"
done
