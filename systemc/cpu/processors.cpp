#include "systemc/cpu/processors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace copysim::sc {

Processors::Processors(ProcessorConfig config) : config_(config) {
  if (config.count == 0 || !(config.clock_mhz > 0)) {
    throw std::invalid_argument("processors: need at least one core and a positive clock");
  }
  for (uint32_t i = 0; i < config.count; ++i) cores_.emplace_back(fmt::format("cpu{}", i));
}

sc_core::sc_time Processors::cycles_to_time(uint64_t cycles) const {
  return sc_core::sc_time(std::round(double(cycles) * 1e6 / config_.clock_mhz), sc_core::SC_PS);
}

void Processors::execute_on(uint32_t core, uint64_t cycles) {
  cycles_ += cycles;
  cores_.at(core).use(cycles_to_time(cycles));
}

void Processors::execute(uint64_t cycles) {
  if (cycles == 0) return;
  auto core = std::min_element(cores_.begin(), cores_.end(), [](const auto& a, const auto& b) {
    return a.free_at() < b.free_at();
  });
  cycles_ += cycles;
  core->use(cycles_to_time(cycles));
}

}  // namespace copysim::sc
