// What many randomized runs add up to, and docs/RELIABILITY.md made from it
// and from the recorded long fuzzing runs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace copysim::testing::random {

struct FaultRow {
  uint64_t injected = 0;
  uint64_t runs = 0;  // runs with at least one
  uint64_t survived = 0;
  uint64_t bytes_compared = 0;
  uint64_t mismatches = 0;
};

struct Tally {
  uint64_t first_seed = 0, last_seed = 0;
  uint64_t runs = 0, failed_runs = 0, mismatches = 0;
  uint64_t checks = 0, bytes_compared = 0, writes = 0, reads = 0, commands = 0, events = 0;
  uint64_t simulated_us = 0;
  std::map<std::string, FaultRow> faults;  // by class, every class present
  std::map<std::string, uint64_t> reactions, refusals, steps, promises;
  std::vector<uint64_t> failing_seeds;
};

Tally tally_of(const std::vector<nlohmann::json>& results);
nlohmann::json to_json(const Tally& tally);
std::string summary_line(const Tally& tally);
// Throws std::runtime_error naming the file it cannot read or write.
void write_report(const std::string& path, const Tally& tally, const std::string& fuzz_record);

}  // namespace copysim::testing::random
