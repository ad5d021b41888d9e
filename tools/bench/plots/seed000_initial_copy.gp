load dir."/common.gp"
set title "Seed 000: initial copy of 2,000 tracks against data-mover TCBs and links"
set xlabel "data-mover TCBs (0: the master sends every track serially)"
set ylabel "throughput (MB/s of stored blocks)"
set logscale x 2
set xrange [0.5:96]
set xtics ("0" 0.7, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32, "64" 64)
set key top left
x(m) = m == 0 ? 0.7 : m
# One series per link count, each its own rows (awk keeps the header).
rows(l) = sprintf("< awk -F, 'NR == 1 || $1 == %s' %s", l, csv)
plot for [l in "1 2 4 8"] rows(l) using (x($2)):3 with linespoints pt 7 \
  title l.(l eq "1" ? " link" : " links")
