#!/usr/bin/env bash
# Data parallelism on one machine: the benchmark model (the mnist-small preset,
# batch 32 on the bundled MNIST digits) trained by 1 process × 2 threads against
# 2 MPI ranks × 1 thread, in alternating rounds. Prints each one's median step
# time and images/s (steps 1–5 left out as warm-up), their ratio, and the share
# of rank 0's wall time spent inside MPI calls. Needs Open MPI (apt install
# openmpi-bin libopenmpi-dev); builds ddpm with the trait MPI into .build-mpi.
#
#   bench/mpi.sh [--rounds 3] [--steps 40] [--preset mnist-small] [--batch-size 32]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 steps=40 preset=mnist-small batch=32
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    --batch-size) batch="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
swift build -c release --traits MPI --scratch-path .build-mpi --product ddpm >/dev/null
ddpm="$PWD/.build-mpi/release/ddpm"
median_step() {  # the median of the differences of log.jsonl's cumulative seconds, after step 5
  python3 -c '
import json, statistics, sys
seconds = [json.loads(line)["seconds"] for line in open(sys.argv[1])]
print(statistics.median(b - a for a, b in zip(seconds[4:], seconds[5:])))' "$1"
}
train=(train --data mnist --preset "$preset" --batch-size "$batch" --steps "$steps" --checkpoint-every 100000)
for round in $(seq "$rounds"); do
  rm -rf "$work/one" "$work/two"
  "$ddpm" "${train[@]}" --threads 2 --out "$work/one" >/dev/null 2>&1
  one=$(median_step "$work/one/training/log.jsonl")
  share=$(mpirun --allow-run-as-root --oversubscribe -np 2 "$ddpm" "${train[@]}" --threads 1 --out "$work/two" 2>&1 \
    | sed -n 's/.*rank 0 spent \([0-9.]*\)% of.*/\1/p')
  two=$(median_step "$work/two/training/log.jsonl")
  python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); n = $batch
print(f'round $round: 1 process x 2 threads {a*1000:.0f} ms a step ({n/a:.1f} images/s); 2 ranks x 1 thread {b*1000:.0f} ms ({n/b:.1f} images/s); ratio {a/b:.3f}; rank 0 in MPI calls {sys.argv[3]}% of its run')" "$one" "$two" "$share"
done
