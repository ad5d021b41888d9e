load dir."/common.gp"
set title "Seed 002: host write response while volumes wait to synchronize"
set xlabel "volumes waiting to synchronize"
set ylabel "mean host write response (us)"
set logscale x 2
set xrange [6:1400]
set key top left
plot for [be in "disk flash"] for [m in "bridge baseline"] csv \
  using 2:((strcol(1) eq be && strcol(3) eq m) ? $4 : 1/0) with linespoints pt 7 \
  title be.", ".(m eq "bridge" ? "one bridge" : "own path per pair")
