#!/usr/bin/env bash
# Runs every fuzz target, one after the other, for SECONDS each (default 600),
# continuing past crashes (libFuzzer fork mode with one worker) so that every
# finding of a run is collected. Logs: .build-fuzz/fuzz-work/logs/TARGET.log;
# findings: .build-fuzz/fuzz-work/findings/TARGET/.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift $(( $# >= 1 ? 1 : 0 ))
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=($(ls fuzz/Targets))
mkdir -p .build-fuzz/fuzz-work/logs
for target in "${targets[@]}"; do
    echo "== $target ($seconds s)"
    fuzz/run.sh "$target" "$seconds" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        > ".build-fuzz/fuzz-work/logs/$target.log" 2>&1
    grep -E "^#[0-9]+: cov|^INFO: exiting|^stat::|crash|oom|timeout" ".build-fuzz/fuzz-work/logs/$target.log" | tail -4
    ls ".build-fuzz/fuzz-work/findings/$target" 2>/dev/null | head
done
