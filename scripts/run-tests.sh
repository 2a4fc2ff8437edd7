#!/usr/bin/env bash
# Runs the given test files, or every test file of every package, with Node's built-in test runner
# (Node 20's --test takes no glob, so the files are listed here).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find packages -path '*/node_modules' -prune -o -path '*/test/*' -name '*.test.ts' -print | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test "${files[@]}"
