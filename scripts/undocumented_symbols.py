#!/usr/bin/env python3
"""Lists public declarations that have no `///` doc comment above them.

Usage: scripts/undocumented_symbols.py [MODULE ...]   (default: every documented module)

A declaration counts as documented when the nearest non-attribute line above
it is a `///` comment. Implementations of protocol requirements are listed
too: DocC shows the requirement's comment for them, which is often too general.
Exits 0 either way; the count goes to standard error.

Enum cases and protocol requirements carry no `public` of their own and are not
seen here; DocC's coverage report lists them (and everything else without an
abstract):
  swift package generate-documentation --target Diffusion \
      --experimental-documentation-coverage --coverage-summary-level detailed
"""
import pathlib
import re
import sys

MODULES = ["Tensors", "NN", "Diffusion", "Datasets", "QualityMetrics", "Pipelines"]
DECL = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public|open)\s+(?:(?:final|static|class|mutating|nonmutating|override|"
    r"convenience|required|indirect|prefix|postfix|private\(set\)|internal\(set\)|fileprivate\(set\))\s+)*"
    r"(func|var|let|init|init\?|init!|struct|class|enum|protocol|typealias|case|subscript|actor|extension)\b"
)


def undocumented(path):
    lines = path.read_text().splitlines()
    found = []
    for i, line in enumerate(lines):
        m = DECL.match(line)
        if not m or m.group(1) == "extension":
            continue
        j = i - 1
        while j >= 0 and lines[j].strip().startswith("@"):
            j -= 1
        if j >= 0 and lines[j].strip().startswith("///"):
            continue
        found.append((i + 1, line.strip()))
    return found


def main():
    args = sys.argv[1:]
    root = pathlib.Path(__file__).resolve().parent.parent / "Sources"
    total = 0
    for module in args or MODULES:
        for path in sorted((root / module).rglob("*.swift")):
            for number, text in undocumented(path):
                print(f"{path.relative_to(root.parent)}:{number}: {text[:120]}")
                total += 1
    print(f"{total} undocumented public declarations", file=sys.stderr)


if __name__ == "__main__":
    main()
