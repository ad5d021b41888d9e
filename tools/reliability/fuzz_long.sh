#!/usr/bin/env bash
# The long fuzzing runs docs/RELIABILITY.md reports: each libFuzzer target
# for RUNS executions (default 10 million) from its seed corpus, one after
# the other on one core. Each finished run appends one JSON line (target,
# executions, seconds, crashes, coverage edges, date) to RECORD, which
# `random_runs --report` turns into the fuzzing table (executions summed
# over each target's runs).
#
# FUZZ_CORPUS_FROM=DIR starts from a copy of DIR instead of the seed corpus:
# a second worker going on from a running campaign's corpus.
# FUZZ_SECONDS=S bounds each run by time as well; FUZZ_FLAGS adds libFuzzer
# flags (say "-max_len=2048 -seed=2"). FUZZ_NOTE goes into the record. A run stopped with SIGINT (kill -INT the fuzzer) is recorded with
# the executions it made, as interrupted, not as a crash.
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
  "$here/../fuzz/run_fuzzer.sh" clang++ "$target" "$work/$target" "${FUZZ_SECONDS:-0}" \
    -runs="$runs" ${FUZZ_FLAGS:-} >"$log" 2>&1
  code=$?
  note=${FUZZ_NOTE:-}
  if grep -q "libFuzzer: run interrupted" "$log"; then
    code=0
    note="${note:+$note; }interrupted"
  fi
  seconds=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  edges=$(sed -n 's/.* cov: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  crashes=$(ls "$work/$target"/crash-* "$work/$target"/leak-* "$work/$target"/timeout-* \
    "$work/$target"/oom-* 2>/dev/null | wc -l)
  [[ $code -ne 0 && $crashes -eq 0 ]] && crashes=1
  printf '{"target":"%s","executions":%s,"seconds":%s,"crashes":%s,"edges":%s,"date":"%s","note":"%s"}\n' \
    "$target" "${executions:-0}" "$seconds" "$crashes" "${edges:-0}" "$(date -u +%F)" \
    "$note" >>"$record"
  echo "fuzz_long.sh: $target: ${executions:-0} executions in ${seconds} s, exit $code" >&2
  [[ $code -ne 0 ]] && tail -40 "$log" >&2
done
rm -rf "$work"
