// One randomized run's machinery, shared by its files: run.cpp (setup,
// the scoreboard's checks at state changes, the result), run_hosts.cpp
// (host IO), run_timeline.cpp (commands and faults), run_end.cpp (settling
// and the end checks). Only run.h is for users.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/controller/controller.h"
#include "systemc/common/sim_time.h"
#include "testbench/common/remote_topology.h"
#include "testbench/random/plan.h"
#include "testbench/random/run.h"
#include "testbench/scoreboard/scoreboard.h"

namespace copysim::testing::random::detail {

using sc::now_ps;
using sc::ps_time;
inline constexpr uint64_t kPsPerUs = 1'000'000;
inline constexpr std::size_t kBlock = 512;
// How long after the hosts stop the copies may take to settle.
inline constexpr uint64_t kSettleLimitPs = 60'000'000 * kPsPerUs;

inline uint16_t primary_of(uint32_t v) { return primary_volume(v); }

struct LocalRole {
  uint32_t primary = 0;
  uint32_t secondary = 0;
  std::optional<uint64_t> point_ps;  // the latest split's point in time, while promised
  bool copied = false;               // hosts may read it (before: a moving copy)
  uint64_t generation = 0;           // bumped whenever the promise changes
};

struct CloneRole {
  uint32_t source = 0;
  uint32_t destination = 0;
  uint64_t extent = 0;  // 0: the whole volume
  std::optional<uint64_t> point_ps;
  uint64_t generation = 0;
};

class Run {
 public:
  Run(const Plan& plan, const RunOptions& options);

  nlohmann::json go();

 private:
  static RemoteTopologyConfig config(const Plan& p, const RunOptions& o);

  sc::StorageArray& array(uint32_t which) {
    return which == 0 ? topology_.primary() : topology_.secondary();
  }
  fw::Controller& firmware() { return topology_.primary_firmware(); }
  uint32_t blocks_per_track() {
    return topology_.primary().volume(primary_of(0))->geometry.blocks_per_track;
  }
  uint64_t volume_blocks() { return uint64_t{plan_.tracks} * blocks_per_track(); }

  // Anything but a data mismatch that fails the run: an unexpected status,
  // a copy that never settles, an error no injected fault explains.
  void failure(std::string what) {
    ++other_failures_;
    if (failures_.size() < 20) failures_.push_back(std::move(what));
  }
  // An error suspension or failed copy must come from an injected fault.
  void explain_error(const std::string& what) {
    if (!errors_explained_) failure(what + ", and no injected fault explains it");
  }
  void react(const std::string& what, uint64_t n = 1) { reactions_[what] += n; }

  // -- the scoreboard's checks ------------------------------------------

  // `promise` names the kind of check in the tally; `what` this one.
  void check_volume(const char* promise, sc::StorageArray& a, uint16_t device, uint16_t source,
                    uint64_t t_ps, const std::string& what, bool whole_writes, uint64_t extent = 0);

  LocalRole* local(uint16_t primary, uint16_t secondary) {
    for (auto& l : locals_) {
      if (primary_of(l.primary) == primary && primary_of(l.secondary) == secondary) return &l;
    }
    return nullptr;
  }
  CloneRole* clone(uint16_t destination) {
    for (auto& c : clones_) {
      if (primary_of(c.destination) == destination) return &c;
    }
    return nullptr;
  }

  // Equality promises come with state changes; each is checked the moment
  // it is made.
  void observe();

  // -- hosts --------------------------------------------------------------

  void host(uint32_t h);

  void write(uint32_t port, uint16_t device, uint64_t block, uint32_t count);

  bool any_damaged(uint16_t device, uint64_t block, uint32_t count) const;

  void read_own(uint32_t port, uint16_t device, uint64_t block, uint32_t count);

  // A host reading a copied split secondary, or an activated clone while it
  // may still be copied in the background (the clone fetches what a read
  // needs first): it must show the point in time. False if no copy
  // promises anything now.
  bool read_a_copy(uint32_t port, uint64_t which, uint64_t where);

  // -- the timeline: commands and faults ------------------------------------

  fw::CommandStatus command(uint16_t code, uint16_t a, uint16_t b, uint64_t p0 = 0,
                            uint64_t p1 = 0);

  void timeline();

  static uint16_t code_of(const std::string& action);

  void do_step(const Step& s);

  void expect_ok(const Step& s, const fw::CommandStatus& st);
  // Planned commands may meet a state they do not apply to (a split while
  // the previous one still copies); a refusal is then the right answer.
  void note(const Step& s, const fw::CommandStatus& st);

  // How long a step's fault lasts (0: it happens at once).
  static uint64_t lasts_us(const Step& s);

  void inject(const Step& s);

  // A command sent in a state it does not apply to: it must be refused
  // with invalid_state and change nothing.
  void wrong_state(uint64_t which);

  // -- the end ----------------------------------------------------------------

  // What is still copying (empty: nothing).
  std::string unsettled();

  void settle();

  void final_checks();

  nlohmann::json result();

  const Plan& plan_;
  RunOptions options_;
  RemoteTopology topology_;
  ReferenceModel reference_;
  Scoreboard board_;
  std::set<uint32_t> remote_;
  std::vector<LocalRole> locals_;
  std::vector<CloneRole> clones_;
  std::vector<uint32_t> sources_;  // volumes hosts write
  std::set<std::pair<uint16_t, uint64_t>> damaged_;
  std::array<int, 2> lost_drive_{};  // per array (primary, secondary): a drive lost
  uint64_t media_errors_ = 0;
  bool errors_explained_ = false;  // a media error or lost frames were injected
  uint64_t other_failures_ = 0;
  std::vector<std::string> failures_;
  uint32_t hosts_running_ = 0;
  uint64_t writes_ = 0, reads_ = 0, commands_ = 0, events_ = 0, end_ps_ = 0;
  std::map<std::string, uint64_t> faults_, steps_, refusals_, reactions_, promises_;
};

}  // namespace copysim::testing::random::detail
