#!/usr/bin/env bash
# The long fuzzing runs docs/RELIABILITY.md reports: each libFuzzer target
# for RUNS executions (default 10 million) from its seed corpus, one after
# the other on one core. Each finished run appends one JSON line (target,
# executions, seconds, crashes, coverage edges, date) to RECORD, which
# `random_runs --report` turns into the fuzzing table.
# Usage: fuzz_long.sh RECORD [RUNS] [targets...]
set -uo pipefail
record=$1 runs=${2:-10000000}
shift 2 || shift $#
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(command trace wire scenario)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
for target in "${targets[@]}"; do
  log="$work/$target.log"
  start=$(date +%s)
  "$here/../fuzz/run_fuzzer.sh" clang++ "$target" "$work/$target" 0 -runs="$runs" >"$log" 2>&1
  code=$?
  seconds=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  edges=$(sed -n 's/.*DONE *cov: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  crashes=$(ls "$work/$target"/crash-* "$work/$target"/leak-* "$work/$target"/timeout-* \
    "$work/$target"/oom-* 2>/dev/null | wc -l)
  [[ $code -ne 0 && $crashes -eq 0 ]] && crashes=1
  printf '{"target":"%s","executions":%s,"seconds":%s,"crashes":%s,"edges":%s,"date":"%s"}\n' \
    "$target" "${executions:-0}" "$seconds" "$crashes" "${edges:-0}" "$(date -u +%F)" >>"$record"
  echo "fuzz_long.sh: $target: ${executions:-0} executions in ${seconds} s, exit $code" >&2
  [[ $code -ne 0 ]] && tail -40 "$log" >&2
done
rm -rf "$work"
