#!/usr/bin/env bash
# Regenerates docs/RELIABILITY.md from real runs: builds random_runs, runs
# SEEDS randomized seeds (default 10,000) under the scoreboard, and adds
# the latest long fuzzing runs recorded in docs/reliability/fuzz_runs.jsonl
# (append to it with tools/reliability/fuzz_long.sh).
# Usage: tools/reliability/regenerate.sh [SEEDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seeds=${1:-10000}
cd "$root"
cmake --preset default >/dev/null
cmake --build build/default --target random_runs -j2
mkdir -p build/default/reliability
build/default/testbench/random/random_runs --from 1 --count "$seeds" --jobs 2 \
  --out build/default/reliability --report docs/RELIABILITY.md \
  --fuzz-record docs/reliability/fuzz_runs.jsonl
echo "docs/RELIABILITY.md regenerated from $seeds seeds"
