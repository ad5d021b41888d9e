// A randomized run, as data: the topology's sizes, the hosts' workload, and
// a timeline of copy-service commands and injected faults. A plan comes
// from a seed (generate) or from JSON (a saved or shrunk failing case), and
// the same plan always runs the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace copysim::testing::random {

// Every fault class the runs inject; the reliability report has a row each.
inline const std::vector<std::string>& fault_classes() {
  static const std::vector<std::string> classes = {
      "fault.link_down",   "fault.frame_corrupt", "fault.frame_drop",  "fault.frame_delay",
      "fault.credit_loss", "fault.media_error",   "fault.write_error", "fault.cpu_busy",
      "fault.cache_full",  "fault.wrong_state",   "fault.power_loss",  "fault.drive_loss"};
  return classes;
}

struct Step {
  uint64_t at_us = 0;
  std::string action;  // "remote.establish", "local.split", "fault.link_down", ...
  uint32_t a = 0;      // a volume index, a link, or an array (0 primary, 1 secondary)
  uint32_t b = 0;      // a second volume index
  uint64_t value = 0;  // pace, precopy flag, extent, count, duration in us, ...
};

struct Plan {
  uint64_t seed = 0;
  uint32_t volumes = 4;  // on each array: primary 0x1000 + i, secondary 0x2000 + i
  uint32_t tracks = 32;  // per volume
  uint32_t links = 2;
  double distance_km = 10;
  uint32_t drives = 2;
  uint32_t cache_slots = 256;
  bool secondary_non_volatile = true;  // false: a secondary failure loses its write-pending data
  uint32_t hosts = 2;
  uint32_t max_blocks = 16;  // per host IO, within one track
  double read_fraction = 0.3;
  uint64_t think_us = 200;       // mean gap between one host's IOs
  uint64_t duration_us = 60000;  // hosts stop at this time
  std::vector<Step> steps;       // in time order
};

Plan generate(uint64_t seed);
nlohmann::json to_json(const Plan& plan);
// Throws std::invalid_argument naming the field for a plan it cannot run.
Plan plan_from_json(const nlohmann::json& j);

// Smaller plans that might still fail the same way, most promising first:
// fewer steps, a shorter run, fewer hosts, volumes and tracks.
std::vector<Plan> smaller(const Plan& plan);

}  // namespace copysim::testing::random
