#!/usr/bin/env bash
# The documentation check (CI runs it from .ci/run):
#  1. builds the DocC archive of every documented module with --warnings-as-errors, so a
#     DocC warning (a broken symbol or doc link, a missing snippet, an undocumented
#     parameter in a parameter list) fails it;
#  2. builds Diffusion's archive once more for static hosting, into a temporary folder;
#  3. lints Snippets/ as .ci/run lints Sources, builds every snippet and runs it: each checks its own result, so a
#     snippet that no longer compiles or whose maths no longer holds fails the check.
# Debug builds only, in the package's own .build. About 2–4 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
start=$(date +%s)
modules=(Tensors NN Diffusion Datasets QualityMetrics Pipelines)
log=$(mktemp)
out=$(mktemp -d)
trap 'rm -rf "$log" "$out"' EXIT

# DocC prints its diagnostics as "warning: …" / "error: …" followed by the file and line;
# SwiftPM's own notes (a system library's install hint, a dependency's unhandled file) are not DocC's.
docc_diagnostics() {
  grep -E '^(warning|error): ' "$1" \
    | grep -vE "you may be able to install|found [0-9]+ file\(s\) which are unhandled|'docc convert' invocation failed|NSCocoaErrorDomain" || true
}

targets=()
for module in "${modules[@]}"; do targets+=(--target "$module"); done
echo "== DocC: ${modules[*]} (--warnings-as-errors)"
if ! swift package generate-documentation --warnings-as-errors "${targets[@]}" > "$log" 2>&1; then
  grep -vE '^\[[0-9]+/[0-9]+\]' "$log" | tail -60
  echo "check_docs: documentation has warnings or errors"
  exit 1
fi
diagnostics=$(docc_diagnostics "$log")
if [ -n "$diagnostics" ]; then
  echo "$diagnostics"
  echo "check_docs: documentation has warnings"
  exit 1
fi
echo "DocC: ${#modules[@]} archives, 0 warnings"

echo "== DocC: Diffusion for static hosting"
if ! swift package --allow-writing-to-directory "$out" generate-documentation --warnings-as-errors --target Diffusion \
  --transform-for-static-hosting --hosting-base-path swift-ddpm --output-path "$out/Diffusion" > "$log" 2>&1; then
  grep -vE '^\[[0-9]+/[0-9]+\]' "$log" | tail -60
  echo "check_docs: the static-hosting build failed"
  exit 1
fi
test -f "$out/Diffusion/index.html" || { echo "check_docs: no index.html in the static-hosting output"; exit 1; }
echo "static hosting: $(find "$out/Diffusion" -type f | wc -l) files"

echo "== Snippets"
swift format lint --strict -r Snippets
swift build > "$log" 2>&1 || { grep -E 'error|warning:' "$log" | head -40; echo "check_docs: the snippets do not build"; exit 1; }
bin=$(swift build --show-bin-path)
count=0
for file in Snippets/*.swift; do
  name=$(basename "$file" .swift)
  snippet_start=$(date +%s)
  if ! "$bin/$name" > "$log" 2>&1; then
    tail -40 "$log"
    echo "check_docs: snippet $name failed"
    exit 1
  fi
  echo "snippet $name: ok ($(( $(date +%s) - snippet_start )) s)"
  count=$((count + 1))
done
echo "check_docs: ${#modules[@]} modules documented with 0 warnings, $count snippets ran, in $(( $(date +%s) - start )) s"
