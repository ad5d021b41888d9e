// The data check of a scenario run (docs/SCENARIOS.md, "Verification"),
// with the reference model and scoreboard of testbench/scoreboard/: hosts
// write versioned data, and every read of a volume hosts own, every copy at
// the moment the firmware promises it equal, and every volume at the end is
// compared with what the hosts' writes allow.
//
// A volume is either the hosts' (they write it, nothing copies to it) or a
// copy (a remote secondary, a split secondary, a clone destination). A
// volume that is both is left unchecked and named in the tally.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver/engine/topology.h"
#include "firmware/local_copy/history.h"
#include "testbench/scoreboard/scoreboard.h"

namespace copysim::run {

class Verification {
 public:
  // `remote_secondary`: the array remote pairs copy to ("" when unlinked).
  Verification(engine::Topology& topology, std::string remote_secondary);

  // A workload's write: `data` gets the version's bytes.
  uint64_t begin_write(const std::string& array, uint16_t device, uint64_t block,
                       std::span<uint8_t> data);
  void end_write(const std::string& array, uint64_t version, bool ok);
  // A workload's read that began at `issue_ps` and ended now with `ok`.
  void read(const std::string& array, uint16_t device, uint64_t block,
            std::span<const uint8_t> data, uint64_t issue_ps, bool ok);

  // Timeline faults that bear on data.
  void media_error(const std::string& array, uint16_t device, uint64_t block);
  void power_lost(const std::string& array, const std::vector<uint16_t>& volumes);

  // The checks at the end of the run.
  void finish();
  uint64_t mismatches() const;
  // Checks by kind, bytes compared, mismatches and their first reports,
  // and the volumes left unchecked with the reason.
  nlohmann::json tally() const;

 private:
  // A copy's promise: equal to its source at a point in time (remote
  // pairs: at every instant while in sync).
  struct Copy {
    enum class Kind { remote, split, clone } kind = Kind::remote;
    std::string array;  // where the source is
    uint16_t source = 0;
    std::optional<uint64_t> point_ps;                   // split and clone copies
    bool promised = false;                              // the content is the promise's now
    uint64_t changed_ps = 0;                            // when the promise last changed
    std::vector<std::pair<uint64_t, uint64_t>> tracks;  // first, count; empty: all
    bool covers(uint64_t block, uint32_t blocks_per_track) const;
  };
  struct ArrayState {
    engine::ArrayNode* node = nullptr;
    testing::ReferenceModel model;
    testing::Scoreboard board{model};
    std::set<uint16_t> written;       // by hosts
    std::map<uint16_t, Copy> copies;  // by target volume
    std::set<std::pair<uint16_t, uint64_t>> damaged;
    std::map<uint16_t, uint64_t> lost_ps;  // volume -> when its cache data was lost
  };

  ArrayState& state(const std::string& array) { return *arrays_.at(array); }
  void observe(const std::string& array, engine::ArrayNode& node);
  void remote_event(const std::string& array, const fw::HistoryEntry& e);
  void local_event(const std::string& array, const fw::HistoryEntry& e, bool clone);
  // Compares the whole of `target` on `on` with `copy`'s source at `t_ps`.
  void check_copy(const char* kind, const std::string& on, uint16_t target, const Copy& copy,
                  uint64_t t_ps, const std::string& what);
  // A remote secondary byte for byte against its primary, where no write
  // is in flight.
  void same_as_primary(const std::string& on, uint16_t target, const Copy& copy, uint64_t now);
  // A volume both hosts and a copy service wrote: its checks stop.
  void unchecked(const std::string& array, uint16_t device, const std::string& why);

  std::string remote_secondary_;
  std::map<std::string, std::unique_ptr<ArrayState>> arrays_;
  std::map<std::string, uint64_t> checks_;  // by kind
  uint64_t reads_unchecked_ = 0;
  std::map<std::string, std::string> unchecked_;  // "array volume" -> why
};

}  // namespace copysim::run
