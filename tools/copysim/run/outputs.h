// What a run records and the files it writes (docs/SCENARIOS.md,
// "Results"). Everything in the files is simulated, never wall-clock, so a
// scenario and seed give byte-identical files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/common/histogram.h"
#include "tools/copysim/scenario/scenario.h"

namespace copysim::run {

struct Command {
  uint64_t time_ps = 0;
  std::string action;
  std::string array;
  uint16_t primary = 0;
  uint16_t secondary = 0;
  std::string result;
  std::string message;
  std::string where;  // the scenario line
};

struct EventRecord {
  uint64_t time_ps = 0;
  std::string array;
  std::string service;
  uint32_t id = 0;
  uint16_t source = 0;
  uint16_t target = 0;
  std::string event;
  std::string from;
  std::string to;
};

// Taken every bucket.
struct Sample {
  uint64_t time_ps = 0;
  std::map<std::string, uint64_t> tcbs;     // by array: TCBs in use
  std::map<std::string, uint64_t> left;     // by copy: tracks still to copy
  std::map<std::string, uint64_t> commits;  // by link: remote writes committed so far
};

class Results {
 public:
  explicit Results(const scenario::Scenario& s);

  void record_io(std::size_t workload, uint64_t start_ps, uint64_t response_ps, bool write,
                 uint64_t bytes, bool ok, const std::string& error, uint16_t device, uint64_t block,
                 uint32_t blocks);
  // The pairs and sessions seen in events so far, by their key.
  const std::map<std::string, EventRecord>& copies();

  std::vector<Command> commands;
  std::vector<EventRecord> events;
  std::vector<Sample> samples;
  std::map<std::string, nlohmann::json> arrays;  // statistics at the end
  std::map<std::string, nlohmann::json> links;   // each link's exchanges at the end
  nlohmann::json verification;                   // the data check's tally; null: not run

  // Writes every file into `dir`.
  void write(const std::string& dir) const;
  // The one-page summary (also summary.txt).
  std::string summary(const std::string& dir) const;
  nlohmann::json statistics() const;

 private:
  struct Bucket {
    uint64_t ios = 0;
    uint64_t bytes = 0;
    uint64_t response_ps = 0;
  };
  struct PerWorkload {
    uint64_t reads = 0;
    uint64_t writes = 0;
    uint64_t bytes = 0;
    uint64_t errors = 0;
    std::vector<std::string> first_errors;
    sc::LatencyHistogram read_response;
    sc::LatencyHistogram write_response;
    std::vector<Bucket> buckets;
  };
  struct IoEvent {
    std::size_t workload;
    uint64_t start_ps;
    uint64_t response_ps;
    bool write;
    uint16_t device;
    uint64_t block;
    uint32_t blocks;
  };
  void write_timeline(const std::string& path) const;
  void write_plots(const std::string& dir) const;

  const scenario::Scenario& s_;
  uint64_t bucket_ps_;
  std::vector<PerWorkload> w_;
  std::vector<IoEvent> io_events_;  // the first kTimelineIos, for the timeline
  std::map<std::string, EventRecord> copies_;
  std::size_t copies_seen_ = 0;
};

// How many host IOs the timeline shows (the first ones).
inline constexpr std::size_t kTimelineIos = 20000;

}  // namespace copysim::run
