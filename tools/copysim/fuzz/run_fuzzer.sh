#!/usr/bin/env bash
# Builds one of copysim's input fuzzers (scenario or trace) with clang,
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer into WORK and
# runs it for SECONDS on a copy of its seed corpus.
# Usage: run_fuzzer.sh CLANG++ scenario|trace WORK SECONDS [more libFuzzer flags]
set -euo pipefail
clang=$1 target=$2 work=$3 seconds=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mkdir -p "$work"
sources=("$here/${target}_fuzz.cpp" "$root/tools/copysim/scenario/yaml_reader.cpp")
case "$target" in
  scenario) sources+=("$root/tools/copysim/scenario/scenario.cpp") ;;
  trace) sources+=("$root/tools/copysim/workload/traces.cpp") ;;
  *) echo "run_fuzzer.sh: no target $target" >&2; exit 2 ;;
esac
"$clang" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -DSC_CPLUSPLUS=201703L -I "$root" "${sources[@]}" -lyaml-cpp -lfmt -o "$work/${target}_fuzz"
rm -rf "$work/corpus"
cp -r "$here/${target}_corpus" "$work/corpus"
"$work/${target}_fuzz" -max_total_time="$seconds" -print_final_stats=1 "$@" "$work/corpus"
