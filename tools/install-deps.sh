#!/usr/bin/env bash
# Installs the Debian 12 packages copysim builds and tests with (and, given
# `bench`, those its benchmarks use). Idempotent:
# packages already present are left alone, and the script says which ones it
# installs and why before it touches anything.
set -euo pipefail

# package            why copysim needs it
packages=(
  "cmake"               # build system (3.25 on Debian 12)
  "ninja-build"         # build tool used by the CMake presets
  "g++"                 # C++20 compiler
  "pkg-config"          # finds SystemC, which ships no CMake package
  "verilator"           # compiles the RTL blocks under rtl/
  "libsystemc-dev"      # the hardware platform under systemc/
  "libboost-test-dev"   # the test suites under testbench/
  "libfmt-dev"          # log and report formatting
  "libcli11-dev"        # command-line parsing of the copysim tool
  "libyaml-cpp-dev"     # scenario files, with line numbers in their errors
  "nlohmann-json3-dev"  # statistics and configuration in JSON
  "zlib1g-dev"          # FST waveforms from Verilator
  "gtkwave"             # fst2vcd/vcd2fst read the waveforms back in tests
  "clang-format"        # one code style, checked by a test
  "clang"               # builds the libFuzzer targets (driver/fuzz/)
  "libclang-rt-14-dev"  # libFuzzer and the sanitizers' runtimes for clang
  "gnuplot-nox"         # plots in docs/ from the model's own output
  "libisal-dev"         # Intel ISA-L: parity-group P and Q, and rebuilds from them
)
# With the argument `bench`, also what tools/bench/regenerate.sh uses.
if [ "${1:-}" = "bench" ]; then
  packages+=("linux-perf")  # the profile of the full-array case in docs/PERFORMANCE.md
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
