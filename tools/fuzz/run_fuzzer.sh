#!/usr/bin/env bash
# Builds one of copysim's libFuzzer targets with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer too) into WORK and runs it on a copy of its seed
# corpus (or a copy of FUZZ_CORPUS_FROM) for SECONDS (0: no time limit;
# pass -runs=N to bound it instead).
# Usage: run_fuzzer.sh CLANG++ wire|command|scenario|trace WORK SECONDS [libFuzzer flags]
set -euo pipefail
clang=$1 target=$2 work=$3 seconds=$4
shift 4
root=$(cd "$(dirname "$0")/../.." && pwd)
libs=()
case "$target" in
  wire)
    sources=(driver/fuzz/wire_fuzz.cpp driver/src/wire.cpp firmware/command/command_block.cpp)
    corpus=driver/fuzz/corpus ;;
  command)
    sources=(firmware/command/fuzz/command_block_fuzz.cpp firmware/command/command_block.cpp)
    corpus=firmware/command/fuzz/corpus ;;
  scenario | trace)
    sources=("tools/copysim/fuzz/${target}_fuzz.cpp" tools/copysim/scenario/yaml_reader.cpp)
    [[ $target == scenario ]] && sources+=(tools/copysim/scenario/scenario.cpp)
    [[ $target == trace ]] && sources+=(tools/copysim/workload/traces.cpp)
    corpus="tools/copysim/fuzz/${target}_corpus"
    libs=(-lyaml-cpp -lfmt) ;;
  *) echo "run_fuzzer.sh: no target '$target' (wire, command, scenario or trace)" >&2; exit 2 ;;
esac
mkdir -p "$work"
"$clang" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -DSC_CPLUSPLUS=201703L -I "$root" -I "$root/driver/include" "${sources[@]/#/$root/}" \
  "${libs[@]}" -o "$work/${target}_fuzz"
rm -rf "$work/corpus"
cp -r "${FUZZ_CORPUS_FROM:-$root/$corpus}" "$work/corpus"
"$work/${target}_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/" "$@" "$work/corpus"
