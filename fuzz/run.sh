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

# What to build and link comes from the package's own dependency graph
# (`swift package describe`): every package module the target imports, and all
# that they depend on, in dependency order. Library targets contribute their
# object files (C targets also their module map), system-library targets their
# header path and the libraries their module map links, and a product of another
# package (ZIPFoundation) the object files of its module of the same name.
# A target that needs a package trait says so in a line "// traits: NAME[,NAME]".
traits="$(sed -n 's|^// traits: *||p' "fuzz/Targets/$target/main.swift" | head -1)"
trait_flags=()
[[ -n "$traits" ]] && trait_flags=(--traits "$traits")
graph="$(swift package "${trait_flags[@]}" describe --type json)"
mapfile -t direct < <(sed -n 's/^import \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "fuzz/Targets/$target/main.swift")
module_lines="$(python3 -c '
import json, sys
targets = {t["name"]: t for t in json.loads(sys.argv[1])["targets"]}
order, seen = [], set()
def visit(name):
    if name in seen or name not in targets: return
    seen.add(name)
    for dependency in targets[name].get("target_dependencies") or []: visit(dependency)
    order.append(name)
for name in sys.argv[2:]: visit(name)
printed = set()
for name in order:
    t = targets[name]
    for product in t.get("product_dependencies") or []:
        if product not in printed:
            printed.add(product)
            print(product, "package", "-")
    print(name, "system" if t["type"] == "system-target" else "library", t["path"])
' "$graph" "${direct[@]}")"
[[ -n "$module_lines" ]] || { echo "fuzz/Targets/$target/main.swift imports no package module" >&2; exit 2; }
sanitizers="fuzzer,address"
# Let libFuzzer and AddressSanitizer report a Swift trap themselves; the Swift
# backtracer's memory reader otherwise trips AddressSanitizer first.
export SWIFT_BACKTRACE=enable=no
# A target with traits builds into its own scratch folder, so the targets without
# them keep their build (traits change every module's flags).
[[ -n "$traits" ]] && scratch="$scratch-${traits//,/-}"
build_flags=(-c release --scratch-path "$scratch" "${trait_flags[@]}" -Xswiftc "-sanitize=$sanitizers" -Xswiftc -g -Xcc -g)
objects=()
search_flags=()
link_flags=()
while read -r module kind path; do
    if [[ "$kind" == package ]]; then
        # Another package's product: its module's objects, and the module maps of
        # its system libraries (ZIPFoundation's CZlib), which importers need too.
        swift build "${build_flags[@]}" --target "$module"
        objects+=("$scratch"/release/"$module".build/*.o)
        for map in "$scratch"/checkouts/*/Sources/*/module.modulemap; do
            [[ -f "$map" ]] && search_flags+=(-I "$(dirname "$map")")
        done
    elif [[ "$kind" == system ]]; then
        search_flags+=(-I "$root/$path")
        while read -r library; do link_flags+=("-l$library"); done \
            < <(sed -n 's/.*link "\([^"]*\)".*/\1/p' "$root/$path/module.modulemap")
    else
        swift build "${build_flags[@]}" --target "$module"
        objects+=("$scratch"/release/"$module".build/*.o)
        map="$scratch/release/$module.build/module.modulemap"
        [[ -f "$map" ]] && search_flags+=(-Xcc "-fmodule-map-file=$map")
    fi
done <<< "$module_lines"

binary="$scratch/fuzzers/$target"
mkdir -p "$scratch/fuzzers"
swiftc -O -g -parse-as-library "-sanitize=$sanitizers" \
    -module-name "Fuzz$target" \
    -I "$scratch/release/Modules" "${search_flags[@]}" \
    "fuzz/Targets/$target/main.swift" "${objects[@]}" \
    -use-ld=lld "${link_flags[@]}" -o "$binary"

[[ "$seconds" == "build" ]] && { echo "built $binary"; exit 0; }

corpus="$scratch/fuzz-work/corpus/$target"
# (not .build-fuzz/artifacts: SwiftPM owns that folder and empties it on every build)
artifacts="$scratch/fuzz-work/findings/$target"
mkdir -p "$corpus" "$artifacts" "fuzz/corpus/$target"
# One process on one core (what -workers=1 -jobs=1 would give, without the log-file indirection).
# max_len is guessed by libFuzzer from the seeds; rss/malloc limits catch absurd allocations
# (a parser that believes a header and allocates gigabytes is a finding).
# A target may add libFuzzer flags in a line "// libfuzzer: FLAGS" and AddressSanitizer
# options in a line "// asan: OPTIONS" (with its reason beside them).
read -r -a target_flags <<< "$(sed -n 's|^// libfuzzer: *||p' "fuzz/Targets/$target/main.swift" | head -1)"
asan_options="$(sed -n 's|^// asan: *||p' "fuzz/Targets/$target/main.swift" | head -1)"
[[ -n "$asan_options" ]] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$asan_options"
"$binary" "$corpus" "fuzz/corpus/$target" \
    -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "${target_flags[@]}" "$@"
