# Shared look of copysim's plots; each plot script is called with
# csv (its experiment's CSV) and png (where the picture goes).
set terminal pngcairo size 960,540 font "DejaVu Sans,11"
set output png
set datafile separator ","
set key autotitle columnhead
set grid
set key top left
