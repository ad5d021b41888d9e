// The default demo: one 3390 track's worth of stored blocks copied from one
// device to another through the DRR unit, with every implementation, and
// once more with a damaged block that must come out flagged, not re-stamped.
#pragma once

#include <cstdint>
#include <string>

#include "systemc/drr/drr_unit.h"

namespace copysim::tools {

struct DrrDemoOptions {
  uint32_t blocks = 111;  // ceil(56,664 / 512): one 3390 track of user data
  unsigned data_bytes = 64;
  double clock_mhz = 250.0;
  uint32_t damaged_block = 17;
  uint64_t seed = 1;
  std::string wave_file;  // FST of the RTL run, with <file>.gtkw beside it
};

// Elaborates, simulates and prints the summary; returns the process exit code.
int run_drr_demo(const DrrDemoOptions& options);

}  // namespace copysim::tools
