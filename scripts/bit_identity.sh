#!/usr/bin/env bash
# Bit identity across a refactor: builds the ddpm tool at a reference commit
# (default: origin/main, else HEAD~1) and at the work tree, runs the same fixed
# jobs with both and compares the results byte for byte:
#   - a 50-step `ddpm train` of the benchmark model (mnist-small, batch 64,
#     seed 0, 2 threads): log.jsonl (the wall-clock "seconds" field aside),
#     the exported weights and the whole training state;
#   - `ddpm sample` of that model with every sampler (seed 7):
#     the .npy files, and one image alone;
#   - a 30-step class-conditional run on the 8×8 digits and a guided sample.
#
#   scripts/bit_identity.sh [REF] [STEPS=50]
#   BEFORE_DDPM=/path/to/ddpm scripts/bit_identity.sh   # a reference binary built already
#
# Exits 0 when everything is identical, 1 naming the first difference.
# Refactors that must not change numbers (issue 16) are checked with it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
ref="${1:-}"
steps="${2:-50}"
if [ -z "$ref" ]; then
  if git rev-parse -q --verify origin/main >/dev/null; then ref=origin/main; else ref=HEAD~1; fi
fi
work="$root/.build-bitcheck"
mkdir -p "$work"
if [ -n "${BEFORE_DDPM:-}" ]; then
  before="$BEFORE_DDPM"
  commit="$before"
else
  commit=$(git rev-parse "$ref")
  if [ ! -e "$work/src/.git" ]; then
    git worktree add --detach -f "$work/src" "$commit" >&2
  else
    git -C "$work/src" checkout -q --detach "$commit"
  fi
  (cd "$work/src" && swift build -c release --product ddpm >&2)
  before="$work/src/.build/release/ddpm"
fi
echo "reference: $commit" >&2
swift build -c release --product ddpm >&2
after="$root/.build/release/ddpm"

runs="$work/runs"
rm -rf "$runs"
mkdir -p "$runs"
jobs() {  # $1: binary, $2: output folder
  local ddpm="$1" out="$2"
  "$ddpm" train --data mnist --preset mnist-small --steps "$steps" --batch-size 64 --seed 0 \
    --threads 2 --checkpoint-every 25 --out "$out/train" >/dev/null
  for sampler in ddpm ddim dpm++ dpm++3m dpm++sde unipc unipc3 euler euler-a heun; do
    "$ddpm" sample --model "$out/train" --sampler "$sampler" --steps 10 --n 8 --seed 7 \
      --threads 2 --npy "$out/sample-$sampler.npy" >/dev/null
  done
  # One image: at 2 threads every convolution takes the split-GEMM path.
  "$ddpm" sample --model "$out/train" --sampler ddim --steps 5 --n 1 --seed 3 --threads 2 \
    --npy "$out/sample-single.npy" >/dev/null
  "$ddpm" train --data digits --preset digits-tiny --conditional --steps 30 --batch-size 16 --seed 1 \
    --threads 2 --out "$out/conditional" >/dev/null
  "$ddpm" sample --model "$out/conditional" --sampler ddim --steps 10 --class all --n 2 --guidance 3 \
    --seed 5 --threads 2 --npy "$out/sample-guided.npy" >/dev/null
}
jobs "$before" "$runs/before"
jobs "$after" "$runs/after"

status=0
compare() {  # $1: relative path
  if ! cmp -s "$runs/before/$1" "$runs/after/$1"; then
    echo "DIFFERENT: $1" >&2
    status=1
  else
    echo "identical: $1" >&2
  fi
}
strip_seconds() { sed -E 's/"seconds":[^,}]*[,]?//g' "$1"; }
for run in train conditional; do
  if ! diff -q <(strip_seconds "$runs/before/$run/training/log.jsonl") \
               <(strip_seconds "$runs/after/$run/training/log.jsonl") >/dev/null; then
    echo "DIFFERENT: $run/training/log.jsonl" >&2
    status=1
  else
    echo "identical: $run/training/log.jsonl (seconds aside)" >&2
  fi
  compare "$run/diffusion_pytorch_model.safetensors"
  compare "$run/training/state.safetensors"
done
for sampler in ddpm ddim dpm++ dpm++3m dpm++sde unipc unipc3 euler euler-a heun single guided; do compare "sample-$sampler.npy"; done
[ $status -eq 0 ] && echo "bit-identical to $commit" || echo "differs from $commit" >&2
exit $status
