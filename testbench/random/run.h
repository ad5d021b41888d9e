// Runs one plan on two arrays joined by links, with hosts writing and
// reading through the primary's ports, the plan's commands and faults on
// its timeline, and the scoreboard checking every volume at every state
// change that promises equality and again at the end. Call it inside a
// forked child: it elaborates a SystemC model.
#pragma once

#include <nlohmann/json.hpp>

#include "testbench/random/plan.h"

namespace copysim::testing::random {

struct RunOptions {
  // A deliberately broken firmware: local pair writes skip seed 004's
  // copy-before-write (Fig. 9). The scoreboard must catch it.
  bool mutant_skip_copy_before_write = false;
  // The secondary array comes back from a power loss without reporting the
  // data it lost, so the primary resynchronizes only what it marked.
  bool mutant_secondary_keeps_quiet = false;
};

// The outcome: "failures" (mismatches and a run that never settles), the
// scoreboard's tally, the faults injected per class and what the model did
// about them.
nlohmann::json run_plan(const Plan& plan, const RunOptions& options);

}  // namespace copysim::testing::random
