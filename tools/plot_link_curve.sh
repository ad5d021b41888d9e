#!/usr/bin/env bash
# Regenerates docs/img/link_throughput_vs_distance.png from the link model:
# builds and runs link_distance_curve, then plots its CSV with gnuplot.
# Usage: tools/plot_link_curve.sh [build-dir]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
if [ ! -d "$build" ]; then cmake --preset release; fi
cmake --build "$build" --target link_distance_curve
csv=$(mktemp --suffix=.csv)
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$build/testbench/bench/link_distance_curve" "$csv"
mkdir -p docs/img
dir=$(mktemp -d)
for c in 8 40 160 500; do
  awk -F, -v c="$c" 'NR > 1 && $2 == c { print $1, $3, $4 }' "$csv" > "$dir/$c.dat"
done
gnuplot <<GNUPLOT
set terminal pngcairo size 900,560 font "DejaVu Sans,11"
set output "docs/img/link_throughput_vs_distance.png"
set title "One long transfer on a 16GFC link (2,048-byte frames), from the copysim link model"
set xlabel "distance (km)"
set ylabel "payload throughput (MB/s)"
set key top right
set grid
set yrange [0:1800]
plot for [c in "500 160 40 8"] "$dir/".c.".dat" using 1:2 with linespoints pt 7 ps 0.6 \
       title c." credits", \
     for [c in "500 160 40 8"] "$dir/".c.".dat" using 1:3 with lines dt 2 lc "gray" \
       title (c eq "8" ? "min(line rate, credits x payload / round trip)" : "")
GNUPLOT
rm -rf "$csv" "$dir"
echo "wrote docs/img/link_throughput_vs_distance.png"
