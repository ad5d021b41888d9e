#!/usr/bin/env bash
# Installs copysim from BUILD into PREFIX, builds the example host programs
# as an outside CMake project against it (find_package(copysim)), checks the
# pkg-config file, and runs both examples in-process. FLAGS, if given, are
# the compiler flags the library was built with (the sanitizers' under the
# asan preset), which a program linking it needs too.
set -euo pipefail
build=$1 prefix=$2 source=$3 flags=${4:-}
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" > /dev/null
examples="$prefix/share/copysim/examples"
cmake -S "$examples" -B "$prefix/examples-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" > /dev/null
cmake --build "$prefix/examples-build" > /dev/null
pc_dir=$(dirname "$(find "$prefix" -name copysim.pc)")
lib_dir=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --variable=libdir copysim)
# pkg-config alone builds one too.
# shellcheck disable=SC2086 # FLAGS are words
c++ $flags -o "$prefix/examples-build/dr_drill_pc" "$examples/dr_drill.cpp" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs copysim) -Wl,-rpath,"$lib_dir"
"$prefix/examples-build/nightly_backup" "$examples/two_arrays.json"
"$prefix/examples-build/dr_drill" "$examples/two_arrays.json"
"$prefix/examples-build/dr_drill_pc" "$examples/two_arrays.json" > /dev/null
echo "installed package: both examples built against $prefix and ran"
