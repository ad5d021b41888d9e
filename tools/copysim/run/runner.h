// Runs a scenario in simulated time and writes its results folder
// (docs/SCENARIOS.md, "Results"): the scenario as run, statistics in JSON
// and CSV, time series, state-change events, a Perfetto timeline, plots,
// and a one-page summary. One scenario per process (SystemC elaborates
// once).
#pragma once

#include <string>

#include "tools/copysim/scenario/scenario.h"

namespace copysim::run {

struct RunOptions {
  std::string results_dir;    // created if missing
  bool progress_bar = false;  // a bar on a terminal; else a line every 10 %
  bool quiet = false;         // no progress at all
};

// Returns the exit status: 0, or 1 when the scenario could not run (the
// error is printed). Throws scenario::ScenarioError for a scenario that
// does not build (naming the file and line).
int run(const scenario::Scenario& scenario, const RunOptions& options);

// Builds everything the run would (the topology, the workloads, the
// traces) without simulating; throws ScenarioError for what would fail.
void check(const scenario::Scenario& scenario);

}  // namespace copysim::run
