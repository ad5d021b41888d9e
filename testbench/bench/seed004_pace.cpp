// Seed 004's pace as an experiment: a local pair of 480 tracks copied at
// pace 1, 3 and 15 tracks a step while a host reads another volume on the
// primary's drive (testbench/common/pace_experiment.h): a faster pace ends
// the copy sooner and makes the host's reads wait longer behind it.
#include "testbench/bench/bench_output.h"
#include "testbench/common/pace_experiment.h"

using namespace copysim::testing;
using copysim::bench::BenchOutput;

int sc_main(int argc, char* argv[]) {
  BenchOutput out(argc, argv, "seed004_pace");
  out.csv("pace,tracks,copy_ms,host_reads,read_mean_us,read_max_us\n");
  out.md(
      "A pair of 480 tracks, created and split at once; the host reads the other "
      "volume on the same drive throughout the copy.\n\n");
  out.md(
      "| pace (tracks a step) | copy time | host reads | mean read response | max |\n"
      "|---:|---:|---:|---:|---:|\n");
  for (const PaceRow& r : run_pace_experiment({1, 3, 15}, 480)) {
    out.md("| {} | {:.1f} ms | {} | {:.0f} us | {:.0f} us |\n", r.pace, r.copy_ms, r.host_reads,
           r.read_mean_us, r.read_max_us);
    out.csv("{},{},{:.3f},{},{:.1f},{:.1f}\n", r.pace, r.tracks, r.copy_ms, r.host_reads,
            r.read_mean_us, r.read_max_us);
  }
  out.md("\n");
  return 0;
}
