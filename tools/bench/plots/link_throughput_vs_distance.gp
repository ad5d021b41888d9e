load dir."/common.gp"
set title "One long transfer on a 16GFC link (2,048-byte frames), from the copysim link model"
set xlabel "distance (km)"
set ylabel "payload throughput (MB/s)"
set key top right
set yrange [0:1800]
rows(c) = sprintf("< awk -F, 'NR == 1 || $2 == %s' %s", c, csv)
plot for [c in "500 160 40 8"] rows(c) using 1:3 with linespoints pt 7 ps 0.6 \
       title c." credits", \
     for [c in "500 160 40 8"] rows(c) using 1:4 with lines dt 2 lc "gray" \
       title (c eq "8" ? "min(line rate, credits x payload / round trip)" : "")
