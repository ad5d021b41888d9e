// A scenario (docs/SCENARIOS.md): a topology, workloads, and a timeline of
// copy-service commands and faults at simulated times, read from a YAML or
// JSON file. Every default is filled in, so `as_run()` is the scenario
// exactly as it runs.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace copysim::scenario {

struct SyntheticWorkload {
  double read_fraction = 0.7;
  uint32_t blocks = 8;             // per IO, 512 bytes each
  std::string pattern = "random";  // or "sequential"
  uint32_t queue_depth = 1;
  double rate_iops = 0;          // 0: closed loop, each of queue_depth workers back to back
  std::string skew = "uniform";  // "hotspot", "zipf"
  double hot_fraction = 0.1;     // hotspot: this share of the blocks...
  double hot_probability = 0.9;  // ...gets this share of the IOs
  double zipf_theta = 0.99;
};

struct TraceWorkload {
  std::string format;  // "msr", "disksim", "spc"
  std::string file;
  double time_scale = 1.0;  // trace seconds per simulated second, inverted: 2 = twice as slow
  std::map<uint32_t, uint16_t> devices;  // trace device (disk, device, ASU) -> volume
  uint64_t max_records = 0;              // 0: all
};

struct Workload {
  std::string name;
  std::string host;
  std::string array;
  uint32_t port = 0;  // the host's port on the array (from the topology)
  std::vector<uint16_t> volumes;
  std::string type = "synthetic";
  double start_ms = 0;
  double stop_ms = 0;  // 0: the end of the run
  SyntheticWorkload synthetic;
  TraceWorkload trace;
};

struct TimelineEntry {
  double at_ms = 0;
  std::string action;  // "local_pair.create", ..., "fault.link_down"
  std::string array;
  uint16_t primary = 0;
  uint16_t secondary = 0;
  std::array<uint64_t, 3> parameters{};
  // Faults (docs/SCENARIOS.md): a link, or an array's volume and block,
  // how many frames, messages or credits, and how long.
  uint32_t link = 0;  // the topology's link index
  uint16_t volume = 0;
  uint64_t block = 0;
  uint64_t count = 1;
  double us = 0;
  uint32_t drive = 0;            // fault.drive_loss: the array's drive number
  double rebuild_after_ms = -1;  // fault.drive_loss: rebuild onto a spare after (< 0: never)
  std::string where;             // file:line of the entry, for reports
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  uint64_t seed = 1;
  double duration_ms = 100;
  double bucket_ms = 1;     // time-series resolution
  bool waveforms = false;   // FST of every DRR unit's RTL, with GTKWave save files
  bool verify = true;       // check every volume's data (run/verification.h)
  nlohmann::json topology;  // as docs/DRIVER.md describes
  std::map<std::string, std::string> positions;  // JSON pointer -> file:line:column
  std::vector<Workload> workloads;
  std::vector<TimelineEntry> timeline;

  nlohmann::json as_run() const;
};

// Throws ScenarioError naming the file, line, field and what was expected.
// `overrides` set keys first ("duration_ms=50", "workloads/0/synthetic/rate_iops=100").
Scenario load(const std::string& file, const std::vector<std::string>& overrides = {});
// The same from the text of a file named `file` (relative paths in it are
// relative to that name).
Scenario parse(const std::string& text, const std::string& file,
               const std::vector<std::string>& overrides = {});

// The timeline's actions and the command codes they send.
const std::map<std::string, uint16_t>& command_actions();

}  // namespace copysim::scenario
