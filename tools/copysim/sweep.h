// `copysim sweep`: a parameter grid over a scenario. Each point is a
// `copysim run` of its own (one simulation per process), run across local
// cores, or emitted as a Slurm job-array script; the results are gathered
// into one table (sweep.csv).
#pragma once

#include <string>
#include <vector>

namespace copysim::tools {

struct SweepOptions {
  std::string scenario;
  std::vector<std::string> grid;  // "PATH=v1,v2,..."
  std::string out = "sweep";
  unsigned jobs = 2;
  std::string slurm_script;  // write this script instead of running
  bool gather_only = false;  // only gather the runs already in `out`
  std::string self;          // this program, to run the points
};

int sweep(const SweepOptions& options);

}  // namespace copysim::tools
