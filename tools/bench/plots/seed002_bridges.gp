load dir."/common.gp"
set title "Seed 002: host write response while volumes wait to synchronize"
set xlabel "volumes waiting to synchronize"
set ylabel "mean host write response (us, log scale)"
set logscale y
set logscale x 2
set xrange [6:1400]
set key top left
rows(be, m) = sprintf("< awk -F, 'NR == 1 || ($1 == \"%s\" && $3 == \"%s\")' %s", be, m, csv)
plot for [be in "disk flash"] for [m in "bridge baseline"] rows(be, m) \
  using 2:4 with linespoints pt 7 title be.", ".(m eq "bridge" ? "one bridge" : "own path per pair")
