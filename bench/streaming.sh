#!/usr/bin/env bash
# The streamed folder loader against the whole-folder loader: the median training
# step time of `ddpm train --data FOLDER --image-size 32 --preset rgb32-tiny` with and
# without --stream, in alternating rounds, and their ratio per round (issue 21's
# target: streamed within 3% of in-memory). Steps 1–5 are left out (warm-up).
#
#   bench/streaming.sh [--rounds 3] [--steps 40] [--threads 2] [--count 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 steps=40 threads=2 count=2000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/make_png_folder.py "$work/images" --count "$count"
swift build -c release --product ddpm >/dev/null
ddpm="$(swift build -c release --show-bin-path)/ddpm"
median_step() {  # the median of the differences of log.jsonl's cumulative seconds, after step 5
  python3 -c '
import json, statistics, sys
seconds = [json.loads(line)["seconds"] for line in open(sys.argv[1])]
print(statistics.median(b - a for a, b in zip(seconds[4:], seconds[5:])))' "$1"
}
for round in $(seq "$rounds"); do
  for mode in memory stream; do
    rm -rf "$work/$mode"
    flags=(); [[ "$mode" == stream ]] && flags=(--stream)
    "$ddpm" train --data "$work/images" --image-size 32 --preset rgb32-tiny --batch-size 32 --steps "$steps" \
      --checkpoint-every 100000 --threads "$threads" --out "$work/$mode" "${flags[@]}" >/dev/null 2>&1
    eval "$mode=$(median_step "$work/$mode/training/log.jsonl")"
  done
  python3 -c "import sys; m, s = float(sys.argv[1]), float(sys.argv[2]); print(f'round $round: in memory {m*1000:.1f} ms, streamed {s*1000:.1f} ms a step, streamed / in memory {s/m:.3f}')" "$memory" "$stream"
done
