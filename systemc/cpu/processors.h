// The array's processors: N identical cores that run firmware work and
// charge cycles of their clock for it. A piece of work goes to the core that
// frees up first; while it waits or runs, its caller waits. This is the
// hook the firmware runtime's dispatcher runs on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "systemc/common/resource.h"

namespace copysim::sc {

struct ProcessorConfig {
  uint32_t count = 8;
  double clock_mhz = 1000.0;
  // Hardware operations the firmware may have under way at once (track
  // sends, copies, block reads and writes, peer commands); more wait in
  // arrival order for a free worker.
  uint32_t workers = 64;
};

class Processors {
 public:
  explicit Processors(ProcessorConfig config);

  // From a thread process: run `cycles` of work on the first free core.
  void execute(uint64_t cycles);
  sc_core::sc_time cycles_to_time(uint64_t cycles) const;

  const ProcessorConfig& config() const { return config_; }
  const std::vector<Resource>& cores() const { return cores_; }
  // From a thread process: run `cycles` of work on core `core`.
  void execute_on(uint32_t core, uint64_t cycles);
  uint64_t cycles_executed() const { return cycles_; }

 private:
  ProcessorConfig config_;
  std::vector<Resource> cores_;
  uint64_t cycles_ = 0;
};

}  // namespace copysim::sc
