#!/usr/bin/env bash
# Runs every experiment and benchmark and regenerates docs/PERFORMANCE.md:
# installs what is missing, builds the `release` preset, runs each program
# of testbench/bench into one results folder (NAME.csv and NAME.md each),
# plots the experiments with gnuplot into docs/img/, profiles the full-array
# case with perf, describes this machine, and fills the template
# docs/performance/PERFORMANCE.md.in (`@NAME@` lines take NAME.md).
# Usage: tools/bench/regenerate.sh [RESULTS-DIR]   (default build/release/bench-results)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
./tools/install-deps.sh bench
build=build/release
out=${1:-$build/bench-results}
programs=(seed000_initial_copy seed001_remote_write seed002_bridges seed003_clone_activate
  seed004_pace drr_bench array_bench firmware_bench simulator_speed link_distance_curve)
[[ -f $build/build.ninja ]] || cmake --preset release
cmake --build "$build" -j2 --target "${programs[@]}"
mkdir -p "$out" docs/img  # each program overwrites its own files there
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
bin=$build/testbench/bench
times="| program | wall time |"$'\n'"|---|---:|"
for p in "${programs[@]}"; do
  echo "== $p" >&2
  start=$(date +%s.%N)
  if [[ $p == link_distance_curve ]]; then
    "$bin/$p" "$out/link_throughput_vs_distance.csv" >/dev/null
  else
    "$bin/$p" "$out"
  fi
  times+=$'\n'"| \`$p\` | $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s |"
done
echo "$times" >"$out/run_times.md"

# Plots: one gnuplot script per CSV of the same name.
for gp in tools/bench/plots/*.gp; do
  name=$(basename "$gp" .gp)
  [[ $name == common ]] && continue
  gnuplot -e "dir='tools/bench/plots'; csv='$out/$name.csv'; png='docs/img/$name.png'" "$gp"
done

# The profile: the full-array case alone under perf.
mkdir -p "$out/profile_run"
if perf record -q -g -o "$out/perf.data" -- "$bin/simulator_speed" "$out/profile_run" 1 full-array \
  >/dev/null 2>"$out/perf.log"; then
  report() { perf report -i "$out/perf.data" --stdio --no-children -g none "$@" 2>/dev/null; }
  # Rows "  12.34%  [.] name    -  -": the share and the name, padding dropped.
  rows() { sed -n -E 's/^ +([0-9.]+%) +(\[[.k]\] +)?(.*[^ -])[ -]*$/| \1 | `\3` |/p'; }
  {
    echo "By library (the SystemC kernel is libsystemc; [kernel] is the operating system):"
    echo
    echo "| self time | library |"
    echo "|---:|---|"
    report --sort dso --percent-limit 0.5 | rows
    echo
    echo "By function, above 1%:"
    echo
    echo "| self time | function |"
    echo "|---:|---|"
    report --sort symbol --percent-limit 1 | rows | head -20
  } >"$out/profile.md"
else
  echo "perf could not record on this machine (see $out/perf.log): no profile." >"$out/profile.md"
fi

# This machine.
{
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u +%F) |"
  echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores |"
  echo "| caches | L2 $(lscpu | sed -n 's/^L2 cache: *//p'), L3 $(lscpu | sed -n 's/^L3 cache: *//p') |"
  echo "| memory | $(free -g | awk '/^Mem:/ { print $2 }') GiB |"
  echo "| OS | Debian $(cat /etc/debian_version), kernel $(uname -r) |"
  echo "| compiler | $(g++ --version | head -1), \`release\` preset (-O3) |"
  echo "| Verilator | $(verilator --version) |"
  echo "| SystemC | libsystemc-dev $(dpkg-query -W -f='${Version}' libsystemc-dev) |"
} >"$out/machine.md"

# The document: the template with each @NAME@ line replaced by NAME.md.
awk -v dir="$out" '
  /^@[a-z0-9_]+@$/ {
    name = substr($0, 2, length($0) - 2)
    file = dir "/" name ".md"
    if ((getline line < file) <= 0) { print "regenerate.sh: no " file > "/dev/stderr"; exit 1 }
    print line
    while ((getline line < file) > 0) print line
    close(file)
    next
  }
  { print }' docs/performance/PERFORMANCE.md.in >docs/PERFORMANCE.md
echo "regenerate.sh: wrote docs/PERFORMANCE.md from $out" >&2
