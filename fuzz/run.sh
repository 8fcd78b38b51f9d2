#!/usr/bin/env bash
# Builds one libFuzzer target and runs it for a given time.
#
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
#   fuzz/run.sh TARGET build          # build only
#   fuzz/run.sh list                  # the targets
#
# The package's library modules are built in release mode with coverage and
# AddressSanitizer instrumentation into .build-fuzz (flags on the command line,
# never in Package.swift); fuzz/Targets/TARGET/main.swift is then compiled and
# linked against their object files with libFuzzer's driver.
# New corpus entries go to .build-fuzz/fuzz-work/corpus/TARGET (the committed seeds in
# fuzz/corpus/TARGET are read, never written); crashes, hangs and OOMs go to
# .build-fuzz/fuzz-work/findings/TARGET/.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scratch="$root/.build-fuzz"

if [[ $# -lt 1 || "$1" == "list" ]]; then
    ls fuzz/Targets
    exit 0
fi
target="$1"
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))

[[ -f "fuzz/Targets/$target/main.swift" ]] || { echo "no target $target (see: fuzz/run.sh list)" >&2; exit 2; }

# The highest package module a target imports decides what is built and linked.
modules=(CKernels Tensors)
if grep -q '^import Diffusion' "fuzz/Targets/$target/main.swift"; then
    top=Diffusion; modules+=(NN Diffusion)
elif grep -q '^import Datasets' "fuzz/Targets/$target/main.swift"; then
    top=Datasets; modules+=(Datasets)
elif grep -q '^import NN' "fuzz/Targets/$target/main.swift"; then
    top=NN; modules+=(NN)
else
    top=Tensors
fi

sanitizers="fuzzer,address"
# Let libFuzzer and AddressSanitizer report a Swift trap themselves; the Swift
# backtracer's memory reader otherwise trips AddressSanitizer first.
export SWIFT_BACKTRACE=enable=no
swift build -c release --scratch-path "$scratch" --target "$top" \
    -Xswiftc "-sanitize=$sanitizers" -Xswiftc -g -Xcc -g

objects=()
for module in "${modules[@]}"; do
    objects+=("$scratch"/release/"$module".build/*.o)
done

binary="$scratch/fuzzers/$target"
mkdir -p "$scratch/fuzzers"
swiftc -O -g -parse-as-library "-sanitize=$sanitizers" \
    -module-name "Fuzz$target" \
    -I "$scratch/release/Modules" \
    -I "$root/Sources/CZlib" -Xcc "-fmodule-map-file=$scratch/release/CKernels.build/module.modulemap" \
    "fuzz/Targets/$target/main.swift" "${objects[@]}" \
    -use-ld=lld -lz -o "$binary"

[[ "$seconds" == "build" ]] && { echo "built $binary"; exit 0; }

corpus="$scratch/fuzz-work/corpus/$target"
# (not .build-fuzz/artifacts: SwiftPM owns that folder and empties it on every build)
artifacts="$scratch/fuzz-work/findings/$target"
mkdir -p "$corpus" "$artifacts" "fuzz/corpus/$target"
# One process on one core (what -workers=1 -jobs=1 would give, without the log-file indirection).
# max_len is guessed by libFuzzer from the seeds; rss/malloc limits catch absurd allocations
# (a parser that believes a header and allocates gigabytes is a finding).
"$binary" "$corpus" "fuzz/corpus/$target" \
    -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
