#!/usr/bin/env bash
# Load test of the studio on loopback: CLIENTS concurrent clients (wrk) request the three
# pages, their script and the run and model lists for SECONDS while one sampling job
# streams its steps; prints wrk's numbers and the stream's pace (steps per second)
# before, during and after the load.
#
#   studio/bench/load.sh ROOT MODEL [SECONDS] [CLIENTS] [PAUSE_MS]
#
# PAUSE_MS (default 0: as fast as the server answers) is each client's pause between
# requests: 200 makes 100 clients ask 5 times a second each, a browser tab polling hard.
# ROOT: a folder with model folders and training runs; MODEL: a model folder under it.
# Needs wrk (apt install wrk) and curl. Builds ddpm-studio in release first.
set -euo pipefail
root=${1:?usage: load.sh ROOT MODEL [SECONDS] [CLIENTS]}
model=${2:?usage: load.sh ROOT MODEL [SECONDS] [CLIENTS]}
seconds=${3:-30}
clients=${4:-100}
pause=${5:-0}
stream_query=${STREAM_QUERY:-"sampler=ddpm&n=64&seed=0"}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

swift build -c release --package-path "$here" --product ddpm-studio >/dev/null
"$here/.build/release/ddpm-studio" --root "$root" --port 0 ${STUDIO_ARGS:-} >"$work/studio.log" 2>&1 &
for _ in $(seq 100); do grep -q "http://" "$work/studio.log" && break; sleep 0.1; done
address=$(grep -o 'http://[^ ]*/' "$work/studio.log")
echo "studio at $address; stream: $model ($stream_query); $clients clients, pause ${pause} ms"

cat >"$work/paths.lua" <<LUA
local pause = $pause
function delay() return pause end
LUA
cat >>"$work/paths.lua" <<'LUA'
local paths = { "/", "/forward", "/runs", "/static/studio.js", "/api/runs", "/api/models" }
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
LUA

# The stream: one line per step event, stamped with the time it arrived.
curl -sN "${address}api/sample?model=${model}&${stream_query}" | while IFS= read -r line; do
  case "$line" in "event: step"*) date +%s.%N ;; "event: done"*) echo done ;; esac
done >"$work/steps.txt" &
sleep 10
load_start=$(date +%s.%N)
wrk -t2 -c"$clients" -d"${seconds}s" --latency -s "$work/paths.lua" "$address" | tee "$work/wrk.txt"
load_end=$(date +%s.%N)
sleep 10
awk -v a="$load_start" -v b="$load_end" '
  $1 == "done" { finished = 1; next }
  { if ($1 < a) before++; else if ($1 <= b) during++; else after++; if (!first) first = $1; last = $1 }
  END {
    printf "stream: %d steps; %.2f steps/s before the load (%.1f s), %.2f during (%.1f s), %.2f after%s\n",
      before + during + after, before / (a - first), a - first, during / (b - a), b - a,
      (after > 0 ? after / (last - b) : 0), (finished ? " (finished)" : " (still running)")
  }' "$work/steps.txt"
grep -E "Non-2xx|Socket errors" "$work/wrk.txt" || echo "wrk: no socket errors, no non-2xx answers"
