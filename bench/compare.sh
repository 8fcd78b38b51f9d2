#!/usr/bin/env bash
# Runs `ddpm bench model` and bench/pytorch_reference.py alternately
# (A B A B …, 3 rounds by default) at the same batch and thread count, and
# prints each round's JSON and the median ratios PyTorch ÷ Swift (above 1 =
# Swift faster). A comparison tool only: never run by the tests or CI.
#
#   bench/compare.sh [--threads N] [--batch-size B] [--rounds R] [--python PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 batch=64 rounds=3 python=python3
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    *) echo "usage: $0 [--threads N] [--batch-size B] [--rounds R] [--python PYTHON]" >&2; exit 64 ;;
  esac
done
swift build -c release --product ddpm >&2
out=$(mktemp -d)
for round in $(seq "$rounds"); do
  .build/release/ddpm bench model --threads "$threads" --batch-size "$batch" | tee -a "$out/swift.jsonl"
  "$python" bench/pytorch_reference.py --threads "$threads" --batch-size "$batch" | tee -a "$out/torch.jsonl"
done
"$python" - "$out/swift.jsonl" "$out/torch.jsonl" <<'PY'
import json, statistics, sys
swift = [json.loads(l) for l in open(sys.argv[1])]
torch = [json.loads(l) for l in open(sys.argv[2])]
for key in ["train_step_ms", "forward_ms", "ddim50_s", "peak_rss_mb"]:
    s = statistics.median(r[key] for r in swift)
    t = statistics.median(r[key] for r in torch)
    print(f"{key:>14}: swift {s:10.1f}  pytorch {t:10.1f}  pytorch/swift {t / s:5.2f}")
PY
