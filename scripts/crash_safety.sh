#!/usr/bin/env bash
# Crash safety of `ddpm train` (issue 8): trains once without interruption,
# then trains the same run again while killing it with SIGKILL at random
# moments (checkpoint writes included: it checkpoints every 2 steps) and
# resuming, until it finishes. Checks that every checkpoint left on disk
# loads (the resume after each kill reads it) and that the final weights and
# the loss log equal the uninterrupted run's bit for bit (the wall-clock
# "seconds" field of the log aside).
#
#   scripts/crash_safety.sh [KILLS=20] [STEPS=300]
#
# The test suite runs a short form of it (a small MLP, half the kills timed to
# land inside a checkpoint write): Tests/ddpmTests/CrashSafetyTests.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20} steps=${2:-300}
swift build -c release --product ddpm >&2
ddpm=.build/release/ddpm
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT; echo "work: $work" >&2
args=(train --data digits --preset digits-tiny --steps "$steps" --batch-size 16 --checkpoint-every 2 --seed 3)

"$ddpm" "${args[@]}" --out "$work/whole" >/dev/null 2>&1

killed=0 resumed=0
# Runs in a background subshell that becomes ddpm (exec), so that $! is ddpm itself.
run() {
  if [ -f "$work/killed/training/state.safetensors" ]; then
    exec "$ddpm" train --out "$work/killed" --resume --steps "$steps" --checkpoint-every 2
  else
    rm -rf "$work/killed"; exec "$ddpm" "${args[@]}" --out "$work/killed"
  fi
}
while :; do
  run >/dev/null 2>"$work/err" &
  pid=$!
  if [ "$killed" -lt "$kills" ]; then
    sleep "0.$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"
    if kill -9 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      killed=$((killed + 1))
      continue
    fi
  fi
  if ! wait "$pid"; then
    echo "FAIL: a resumed run failed after $killed kills:" >&2; cat "$work/err" >&2; exit 1
  fi
  resumed=$((resumed + 1))
  break
done
strip() { sed 's/"seconds":[0-9.e+-]*,//' "$1"; }
if cmp -s "$work/whole/diffusion_pytorch_model.safetensors" "$work/killed/diffusion_pytorch_model.safetensors" \
   && cmp -s "$work/whole/training/state.safetensors" "$work/killed/training/state.safetensors" \
   && diff -q <(strip "$work/whole/training/log.jsonl") <(strip "$work/killed/training/log.jsonl") >/dev/null; then
  echo "crash safety: $killed kills, final weights, training state and loss log identical to the uninterrupted run"
else
  echo "FAIL: after $killed kills the result differs from the uninterrupted run:" >&2
  cmp "$work/whole/diffusion_pytorch_model.safetensors" "$work/killed/diffusion_pytorch_model.safetensors" >&2 || true
  cmp "$work/whole/training/state.safetensors" "$work/killed/training/state.safetensors" >&2 || true
  diff <(strip "$work/whole/training/log.jsonl") <(strip "$work/killed/training/log.jsonl") | head -5 >&2 || true
  exit 1
fi
