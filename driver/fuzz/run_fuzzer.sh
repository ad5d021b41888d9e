#!/usr/bin/env bash
# Builds the wire fuzzer with clang (libFuzzer, AddressSanitizer,
# UndefinedBehaviorSanitizer) into WORK and runs it for SECONDS on a copy of
# the seed corpus. Usage: run_fuzzer.sh CLANG++ WORK SECONDS [more libFuzzer flags]
set -euo pipefail
clang=$1 work=$2 seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$work"
"$clang" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I "$root" -I "$root/driver/include" \
  "$here/wire_fuzz.cpp" "$root/driver/src/wire.cpp" "$root/firmware/command/command_block.cpp" \
  -o "$work/wire_fuzz"
rm -rf "$work/corpus"
cp -r "$here/corpus" "$work/corpus"
"$work/wire_fuzz" -max_total_time="$seconds" -print_final_stats=1 "$@" "$work/corpus"
