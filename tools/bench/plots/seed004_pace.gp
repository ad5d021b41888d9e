load dir."/common.gp"
set title "Seed 004: pace trades copy time against host read response"
set xlabel "pace (tracks a step)"
set ylabel "copy time (ms)"
set y2label "mean host read response (us)"
set ytics nomirror
set y2tics
set logscale x
set xtics (1, 3, 15)
set xrange [0.8:20]
set key top center
plot csv using 1:3 with linespoints pt 7 axes x1y1 title "copy time", \
     csv using 1:5 with linespoints pt 5 axes x1y2 title "mean read response"
