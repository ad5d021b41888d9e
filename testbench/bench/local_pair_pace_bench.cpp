// Seed 004's pace, measured: a local pair of 480 tracks copied at pace 1, 3
// and 15 tracks a step while a host reads another volume on the primary's
// drive (testbench/common/pace_experiment.h). Prints the table of
// docs/LOCAL_COPY.md and writes it as CSV.
#include <fmt/format.h>
#include <fmt/os.h>

#include "testbench/common/pace_experiment.h"

using namespace copysim::testing;

int sc_main(int argc, char* argv[]) {
  const std::string path = argc > 1 ? argv[1] : "local_pair_pace.csv";
  auto csv = fmt::output_file(path);
  csv.print("pace,tracks,copy_ms,host_reads,read_mean_us,read_max_us\n");
  fmt::print("| pace (tracks a step) | copy time | host reads | mean read response | max |\n");
  fmt::print("|---|---|---|---|---|\n");
  for (const PaceRow& r : run_pace_experiment({1, 3, 15}, 480)) {
    fmt::print("| {} | {:.1f} ms | {} | {:.0f} us | {:.0f} us |\n", r.pace, r.copy_ms, r.host_reads,
               r.read_mean_us, r.read_max_us);
    csv.print("{},{},{:.3f},{},{:.1f},{:.1f}\n", r.pace, r.tracks, r.copy_ms, r.host_reads,
              r.read_mean_us, r.read_max_us);
  }
  return 0;
}
