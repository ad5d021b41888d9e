load dir."/common.gp"
set multiplot layout 1,2 title "Seed 001: remote writes of 128 blocks over one 16GFC link"
set xlabel "distance (km)"
set ylabel "single write response (us)"
set key top left
plot csv using 1:2 with linespoints pt 7 title "transfer ready (standard FCP)", \
     csv using 1:3 with linespoints pt 7 title "extended CDB, no transfer ready"
set ylabel "pipelined throughput (MB/s)"
set key bottom left
plot csv using 1:4 with linespoints pt 7 title "transfer ready, pre-allocated", \
     csv using 1:5 with linespoints pt 7 title "extended CDB, pre-allocated", \
     csv using 1:6 with linespoints pt 6 dt 2 title "transfer ready, after receipt", \
     csv using 1:7 with linespoints pt 6 dt 2 title "extended CDB, after receipt"
unset multiplot
