#!/usr/bin/env bash
# Runs every test file of every package with Node's built-in test runner (Node 20 takes no glob).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find packages -path '*/node_modules' -prune -o -path '*/test/*' -name '*.test.ts' -print | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test "$@" "${files[@]}"
