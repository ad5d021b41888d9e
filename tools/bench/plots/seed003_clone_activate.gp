load dir."/common.gp"
set title "Seed 003: tracks left to copy after ACTIVATE against precopy lead time"
set xlabel "precopy lead time before ACTIVATE (s)"
set ylabel "tracks copied after ACTIVATE"
set key top right
plot for [t in "1000 4000"] csv using ($2/1000):($1 == t+0 ? $5 : 1/0) with linespoints pt 7 \
  title t." tracks"
