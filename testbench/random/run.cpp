#include "testbench/random/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "systemc/common/sim_time.h"
#include "systemc/fault/injection.h"
#include "testbench/common/host_data.h"
#include "testbench/common/remote_topology.h"
#include "testbench/scoreboard/scoreboard.h"

namespace copysim::testing::random {

namespace {

using sc::now_ps;
using sc::ps_time;
constexpr uint64_t kPsPerUs = 1'000'000;
constexpr std::size_t kBlock = 512;
// How long after the hosts stop the copies may take to settle.
constexpr uint64_t kSettleLimitPs = 60'000'000 * kPsPerUs;

uint16_t primary_of(uint32_t v) { return primary_volume(v); }

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
  Run(const Plan& plan, const RunOptions& options)
      : plan_(plan), options_(options), topology_(config(plan, options)), board_(reference_) {
    for (const Step& s : plan.steps) {
      if (s.action == "remote.establish") remote_.insert(s.a);
      if (s.action == "local.create") locals_.push_back({s.a, s.b, {}, false, 0});
      if (s.action.starts_with("clone.create")) clones_.push_back({s.a, s.b, s.value, {}, 0});
    }
    for (uint32_t v = 0; v < plan.volumes; ++v) {
      const bool target = std::any_of(locals_.begin(), locals_.end(),
                                      [&](const LocalRole& l) { return l.secondary == v; }) ||
                          std::any_of(clones_.begin(), clones_.end(),
                                      [&](const CloneRole& c) { return c.destination == v; });
      if (!target) sources_.push_back(v);
    }
    observe();
  }

  nlohmann::json go() {
    for (uint32_t h = 0; h < plan_.hosts; ++h) {
      sc_core::sc_spawn([this, h] { host(h); });
    }
    sc_core::sc_spawn([this] { timeline(); });
    sc_core::sc_start();
    return result();
  }

 private:
  static RemoteTopologyConfig config(const Plan& p, const RunOptions& o) {
    RemoteTopologyConfig c;
    c.volumes = p.volumes;
    c.tracks = p.tracks;
    c.links = p.links;
    c.return_links = 1;
    c.distance_km = p.distance_km;
    c.drives = p.drives;
    c.cache_slots = p.cache_slots;
    c.secondary_non_volatile = p.secondary_non_volatile;
    c.firmware.local_pairs.mutant_skip_copy_before_write = o.mutant_skip_copy_before_write;
    return c;
  }

  sc::StorageArray& array(uint32_t which) {
    return which == 0 ? topology_.primary() : topology_.secondary();
  }
  fw::Controller& firmware() { return topology_.primary_firmware(); }
  uint32_t blocks_per_track() {
    return topology_.primary().volume(primary_of(0))->geometry.blocks_per_track;
  }
  uint64_t volume_blocks() { return uint64_t{plan_.tracks} * blocks_per_track(); }

  void failure(std::string what) { board_.mismatch(std::move(what)); }
  void react(const std::string& what, uint64_t n = 1) { reactions_[what] += n; }

  // -- the scoreboard's checks ------------------------------------------

  // `promise` names the kind of check in the tally; `what` this one.
  void check_volume(const char* promise, sc::StorageArray& a, uint16_t device, uint16_t source,
                    uint64_t t_ps, const std::string& what, bool whole_writes,
                    uint64_t extent = 0) {
    uint64_t first = 0, count = volume_blocks();
    if (extent != 0) {
      first = (extent >> 32) * blocks_per_track();
      count = (extent & 0xffffffffu) * blocks_per_track();
    }
    ++promises_[promise];
    Scoreboard::ImageCheck check(board_, what, source, t_ps);
    const std::vector<uint8_t> image = a.peek(device, 0, static_cast<uint32_t>(volume_blocks()));
    const std::span<const uint8_t> all(image);
    if (first > 0) check.untouched(0, all.first(first * kBlock));
    check.blocks(first, all.subspan(first * kBlock, count * kBlock));
    if (first + count < volume_blocks()) {
      check.untouched(first + count, all.subspan((first + count) * kBlock));
    }
    if (whole_writes) check.writes_whole();
  }

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
  void observe() {
    firmware().pairs().history().observe([this](const fw::HistoryEntry& e) {
      ++events_;
      if (e.to == "full duplex") {
        const uint32_t v = e.source - primary_of(0);
        check_volume("remote pair secondary at full duplex", topology_.secondary(),
                     secondary_volume(v), e.source, now_ps(),
                     fmt::format("remote pair {:#06x} at full duplex", e.source), false);
      }
      if (e.event == "link failure") react("pair suspended for a link failure");
      if (e.event.starts_with("error")) react("pair suspended for an error");
      if (e.event == "copy started" && e.from == "suspended") react("pair resynchronized");
      if (e.event == "secondary lost data")
        react("pair copying all tracks: its secondary lost data");
    });
    firmware().local_pairs().history().observe([this](const fw::HistoryEntry& e) {
      ++events_;
      LocalRole* l = local(e.source, e.target);
      if (l == nullptr) return;
      if (e.event == "point in time") {
        l->point_ps = e.time_ps;
        ++l->generation;
      } else if (e.to == "copied" && l->point_ps) {
        l->copied = true;
        check_volume("split secondary when copied", topology_.primary(), e.target, e.source,
                     *l->point_ps,
                     fmt::format("local pair {:#06x}->{:#06x} copied", e.source, e.target), true);
      } else if (e.event != "copy complete" && e.event != "copy") {
        l->point_ps.reset();  // resync, suspend, delete: no promise any more
        l->copied = false;
        ++l->generation;
        if (e.to == "suspended" && e.event != "suspend") react("local pair suspended for an error");
      }
    });
    firmware().clones().history().observe([this](const fw::HistoryEntry& e) {
      ++events_;
      CloneRole* c = clone(e.target);
      if (c == nullptr) return;
      if (e.event == "point in time") {
        c->point_ps = e.time_ps;
        ++c->generation;
      } else if (e.to == "copied" && c->point_ps) {
        check_volume("clone destination when copied", topology_.primary(), e.target, e.source,
                     *c->point_ps, fmt::format("clone {:#06x}->{:#06x} copied", e.source, e.target),
                     true, c->extent);
      } else if (e.event == "terminate" || e.event.starts_with("fail")) {
        c->point_ps.reset();
        ++c->generation;
      }
    });
  }

  // -- hosts --------------------------------------------------------------

  void host(uint32_t h) {
    std::mt19937_64 rng(plan_.seed * 1000003u + h);
    auto pick = [&](uint64_t lo, uint64_t hi) {
      return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
    };
    std::exponential_distribution<double> think(1.0 / static_cast<double>(plan_.think_us));
    const uint32_t bpt = blocks_per_track();
    const uint32_t port = h % topology_.primary().host_ports();
    if (h >= plan_.tracks || sources_.empty()) return;
    const uint64_t owned = (plan_.tracks - 1 - h) / plan_.hosts + 1;  // tracks h, h + H, ...
    const uint64_t end = plan_.duration_us * kPsPerUs;
    ++hosts_running_;
    while (true) {
      wait(ps_time(static_cast<uint64_t>(think(rng) * kPsPerUs) + 1));
      if (now_ps() >= end) break;
      const bool read = std::bernoulli_distribution(plan_.read_fraction)(rng);
      if (read && pick(0, 2) == 0 && read_a_copy(port, pick(0, 1u << 30), pick(0, 1u << 30))) {
        continue;
      }
      const uint16_t device = primary_of(sources_[pick(0, sources_.size() - 1)]);
      const uint64_t track = h + plan_.hosts * pick(0, owned - 1);
      const auto offset = static_cast<uint32_t>(pick(0, bpt - 1));
      const auto count = static_cast<uint32_t>(pick(1, std::min(plan_.max_blocks, bpt - offset)));
      const uint64_t block = track * bpt + offset;
      read ? read_own(port, device, block, count) : write(port, device, block, count);
    }
    --hosts_running_;
  }

  void write(uint32_t port, uint16_t device, uint64_t block, uint32_t count) {
    const uint64_t version = reference_.begin_write(device, block, count, now_ps());
    std::vector<uint8_t> data(std::size_t{count} * kBlock);
    for (uint32_t i = 0; i < count; ++i) {
      fill_user_block(std::span(data).subspan(i * kBlock, kBlock), device, block + i, version);
    }
    const sc::IoStatus s = topology_.primary().write(port, device, block, count, data);
    reference_.end_write(version, now_ps(), s.ok());
    ++writes_;
    if (s.ok()) {
      for (uint32_t i = 0; i < count; ++i) damaged_.erase({device, block + i});
    } else if (s.result == sc::IoResult::data_check && media_errors_ > 0) {
      react("host write ended with a data check");
    } else {
      failure(fmt::format("write {:#06x} blocks {}..{}: unexpected status: {}", device, block,
                          block + count - 1, s.message));
    }
  }

  bool any_damaged(uint16_t device, uint64_t block, uint32_t count) const {
    for (uint32_t i = 0; i < count; ++i) {
      if (damaged_.count({device, block + i})) return true;
    }
    return false;
  }

  void read_own(uint32_t port, uint16_t device, uint64_t block, uint32_t count) {
    std::vector<uint8_t> data(std::size_t{count} * kBlock);
    const sc::IoStatus s = topology_.primary().read(port, device, block, count, data);
    ++reads_;
    if (s.result == sc::IoResult::data_check && any_damaged(device, block, count)) {
      react("media error reported to the host as a data check");
      return;
    }
    if (!s.ok()) {
      failure(fmt::format("read {:#06x} blocks {}..{}: unexpected status: {}", device, block,
                          block + count - 1, s.message));
      return;
    }
    ++promises_["host read of its own blocks"];
    Scoreboard::ImageCheck check(board_, fmt::format("host read of {:#06x}", device), device,
                                 now_ps());
    check.blocks(block, data);
  }

  // A host reading a copied split secondary, or an activated clone while it
  // may still be copied in the background (the clone fetches what a read
  // needs first): it must show the point in time. False if no copy
  // promises anything now.
  bool read_a_copy(uint32_t port, uint64_t which, uint64_t where) {
    struct Target {
      uint16_t device, source;
      uint64_t point_ps, generation, first_track, tracks;
      const uint64_t* live_generation;
    };
    std::vector<Target> targets;
    for (auto& l : locals_) {
      if (l.point_ps && l.copied) {
        targets.push_back({primary_of(l.secondary), primary_of(l.primary), *l.point_ps,
                           l.generation, 0, plan_.tracks, &l.generation});
      }
    }
    for (auto& c : clones_) {
      if (!c.point_ps) continue;
      const uint64_t first = c.extent == 0 ? 0 : c.extent >> 32;
      const uint64_t tracks = c.extent == 0 ? plan_.tracks : c.extent & 0xffffffffu;
      targets.push_back({primary_of(c.destination), primary_of(c.source), *c.point_ps, c.generation,
                         first, tracks, &c.generation});
    }
    if (targets.empty()) return false;
    const Target t = targets[which % targets.size()];
    const uint32_t bpt = blocks_per_track();
    const uint64_t track = t.first_track + where % t.tracks;
    std::vector<uint8_t> data(std::size_t{bpt} * kBlock);
    const sc::IoStatus s = topology_.primary().read(port, t.device, track * bpt, bpt, data);
    ++reads_;
    if (*t.live_generation != t.generation) return true;  // the promise changed meanwhile
    if (s.result == sc::IoResult::data_check && media_errors_ > 0) {
      react("media error reported to the host as a data check");
      return true;
    }
    if (!s.ok()) {
      failure(fmt::format("read of copy {:#06x} track {}: unexpected status: {}", t.device, track,
                          s.message));
      return true;
    }
    ++promises_["host read of a copy at its point in time"];
    Scoreboard::ImageCheck check(
        board_,
        fmt::format("host read of copy {:#06x} (point in time {} ps)", t.device, t.point_ps),
        t.source, t.point_ps);
    check.blocks(track * bpt, data);
    check.writes_whole();
    return true;
  }

  // -- the timeline: commands and faults ------------------------------------

  fw::CommandStatus command(uint16_t code, uint16_t a, uint16_t b, uint64_t p0 = 0,
                            uint64_t p1 = 0) {
    ++commands_;
    return fw::decode_status(
        topology_.primary().command(0, fw::encode(fw::CommandBlock{code, a, b, {p0, p1, 0}})));
  }

  void timeline() {
    uint64_t last_fault_end = 0;
    for (const Step& s : plan_.steps) {
      const uint64_t at = s.at_us * kPsPerUs;
      if (at > now_ps()) wait(ps_time(at - now_ps()));
      last_fault_end = std::max(last_fault_end, now_ps() + lasts_us(s) * kPsPerUs);
      do_step(s);
    }
    const uint64_t end = plan_.duration_us * kPsPerUs;
    if (end > now_ps()) wait(ps_time(end - now_ps()));
    while (hosts_running_ > 0) wait(ps_time(100 * kPsPerUs));
    // Every fault has run its course before the hosts' last writes settle.
    if (last_fault_end > now_ps()) wait(ps_time(last_fault_end - now_ps()));
    wait(ps_time(1000 * kPsPerUs));
    for (std::size_t k = 0; k < topology_.link_count(); ++k) topology_.link(k).set_up(true);
    settle();
    final_checks();
    sc_core::sc_stop();
  }

  static uint16_t code_of(const std::string& action) {
    static const std::map<std::string, uint16_t> codes = {
        {"remote.establish", fw::kEstablishPair},   {"remote.suspend", fw::kSuspendPair},
        {"remote.resume", fw::kResumePair},         {"local.create", fw::kCreateLocalPair},
        {"local.split", fw::kCopyLocalPair},        {"local.resync", fw::kResyncLocalPair},
        {"local.suspend", fw::kSuspendLocalPair},   {"clone.create", fw::kCreateClone},
        {"clone.create_precopy", fw::kCreateClone}, {"clone.activate", fw::kActivateClone}};
    auto it = codes.find(action);
    return it == codes.end() ? 0 : it->second;
  }

  void do_step(const Step& s) {
    ++steps_[s.action];
    if (s.action == "remote.path") {
      expect_ok(s, command(fw::kEstablishPath, 0, 0));
    } else if (s.action.starts_with("remote.")) {
      note(s, command(code_of(s.action), primary_of(s.a), secondary_volume(s.a)));
    } else if (s.action.starts_with("local.")) {
      note(s, command(code_of(s.action), primary_of(s.a), primary_of(s.b), s.value));
    } else if (s.action.starts_with("clone.")) {
      const uint64_t precopy = s.action == "clone.create_precopy" ? 1 : 0;
      note(s, command(code_of(s.action), primary_of(s.a), primary_of(s.b), precopy, s.value));
    } else if (s.action.starts_with("fault.")) {
      ++faults_[s.action];
      inject(s);
    } else {
      failure("plan step with an unknown action: " + s.action);
    }
  }

  void expect_ok(const Step& s, const fw::CommandStatus& st) {
    if (!st.ok()) failure(fmt::format("{} at {} us refused: {}", s.action, s.at_us, st.message));
  }
  // Planned commands may meet a state they do not apply to (a split while
  // the previous one still copies); a refusal is then the right answer.
  void note(const Step& s, const fw::CommandStatus& st) {
    if (st.ok()) return;
    ++refusals_[std::string(fw::to_string(st.result))];
    if (st.result != fw::CommandResult::invalid_state &&
        st.result != fw::CommandResult::no_resources) {
      failure(fmt::format("{} at {} us: {}", s.action, s.at_us, st.message));
    }
  }

  // How long a step's fault lasts (0: it happens at once).
  static uint64_t lasts_us(const Step& s) {
    static const std::set<std::string> lasting = {"fault.link_down", "fault.frame_delay",
                                                  "fault.cpu_busy", "fault.cache_full",
                                                  "fault.secondary_failure"};
    return lasting.count(s.action) ? s.value : 0;
  }

  void inject(const Step& s) {
    const uint64_t duration = lasts_us(s) * kPsPerUs;
    if (s.action == "fault.link_down") {
      sc::FcLink& link = topology_.link(s.a % plan_.links);
      link.set_up(false);
      sc_core::sc_spawn([&link, duration] {
        wait(ps_time(duration));
        link.set_up(true);
      });
    } else if (s.action == "fault.frame_corrupt") {
      sc::FcLinkDirection& d = topology_.link(s.a % plan_.links).forward();
      for (uint64_t k = 0; k < s.value; ++k) d.corrupt_frame(d.frames_sent() + k);
    } else if (s.action == "fault.frame_drop") {
      for (uint64_t k = 0; k < s.value; ++k)
        topology_.link(s.a % plan_.links).forward().drop_next_message();
    } else if (s.action == "fault.frame_delay") {
      topology_.link(s.a % plan_.links).forward().delay_next_message(duration);
    } else if (s.action == "fault.credit_loss") {
      topology_.link(s.a % plan_.links).forward().lose_credits(static_cast<uint32_t>(s.value));
    } else if (s.action == "fault.media_error") {
      // On a volume hosts write (a copy's target holds what the copy put there).
      const uint16_t device = primary_of(sources_.at(s.a % sources_.size()));
      const uint64_t block = s.value % volume_blocks();
      sc::fault::damage_block(topology_.primary(), device, block);
      damaged_.insert({device, block});
      ++media_errors_;
    } else if (s.action == "fault.secondary_failure") {
      // Every link to it goes dark; it comes back after `duration`,
      // reporting the volumes whose write-pending data the power loss took.
      for (std::size_t k = 0; k < topology_.link_count(); ++k) topology_.link(k).set_up(false);
      const std::vector<uint16_t> lost = topology_.secondary().lose_power();
      if (!lost.empty()) react("secondary lost write-pending data (volumes)", lost.size());
      sc_core::sc_spawn([this, lost, duration] {
        wait(ps_time(duration));
        for (std::size_t k = 0; k < topology_.link_count(); ++k) topology_.link(k).set_up(true);
        topology_.secondary_hardware().power_restored(
            options_.mutant_secondary_keeps_quiet ? std::vector<uint16_t>{} : lost);
      });
    } else if (s.action == "fault.write_error") {
      sc::fault::fail_next_write(topology_.primary(),
                                 primary_of(sources_.at(s.a % sources_.size())),
                                 s.value % volume_blocks());
    } else if (s.action == "fault.cpu_busy") {
      sc::fault::occupy_processors(array(s.a % 2), duration);
    } else if (s.action == "fault.cache_full") {
      sc_core::sc_spawn([this, which = s.a % 2, duration] {
        react("cache slots held by a cache-full fault",
              sc::fault::hold_cache(array(which), duration));
      });
    } else if (s.action == "fault.wrong_state") {
      wrong_state(s.value);
    }
  }

  // A command sent in a state it does not apply to: it must be refused
  // with invalid_state and change nothing.
  void wrong_state(uint64_t which) {
    struct Wrong {
      uint16_t code;
      uint16_t a, b;
      const char* logs;  // the event an accepted command would log
    };
    std::vector<Wrong> wrong;
    auto& lp = firmware().local_pairs();
    for (const auto& l : locals_) {
      const uint16_t p = primary_of(l.primary), s = primary_of(l.secondary);
      const fw::LocalPairState st = lp.state(p, s);
      if (st != fw::LocalPairState::paired_not_copied)
        wrong.push_back({fw::kCopyLocalPair, p, s, "copy"});
      if (st != fw::LocalPairState::copied && st != fw::LocalPairState::suspended) {
        wrong.push_back({fw::kResyncLocalPair, p, s, "resync"});
      }
    }
    for (const auto& c : clones_) {
      const uint16_t src = primary_of(c.source), d = primary_of(c.destination);
      const fw::CloneState st = firmware().clones().state(d);
      if (st == fw::CloneState::active || st == fw::CloneState::copied) {
        wrong.push_back({fw::kActivateClone, src, d, "activate"});
      }
    }
    for (uint32_t v : remote_) {
      const fw::PairState st = firmware().pairs().state(primary_of(v));
      if (st != fw::PairState::suspended) {
        wrong.push_back({fw::kResumePair, primary_of(v), secondary_volume(v), "copy started"});
      }
    }
    if (wrong.empty()) {
      // A volume paired with itself is never a pair.
      wrong.push_back({fw::kCopyLocalPair, primary_of(0), primary_of(0), "copy"});
    }
    const Wrong w = wrong[which % wrong.size()];
    const std::size_t before_local = lp.history().entries().size();
    const std::size_t before_clone = firmware().clones().history().entries().size();
    const std::size_t before_remote = firmware().pairs().history().entries().size();
    const fw::CommandStatus st = command(w.code, w.a, w.b);
    if (st.result != fw::CommandResult::invalid_state) {
      failure(
          fmt::format("command {:#06x} on {:#06x}/{:#06x} in the wrong state: expected "
                      "invalid_state, got {} ({})",
                      w.code, w.a, w.b, fw::to_string(st.result), st.message));
      return;
    }
    react("command refused: invalid state");
    auto logged = [&](const fw::History& h, std::size_t from) {
      for (std::size_t i = from; i < h.entries().size(); ++i) {
        const auto& e = h.entries()[i];
        if (e.event == w.logs && e.source == w.a) return true;
      }
      return false;
    };
    if (logged(lp.history(), before_local) || logged(firmware().clones().history(), before_clone) ||
        logged(firmware().pairs().history(), before_remote)) {
      failure(
          fmt::format("refused command {:#06x} on {:#06x} still changed its state", w.code, w.a));
    }
  }

  // -- the end ----------------------------------------------------------------

  // What is still copying (empty: nothing).
  std::string unsettled() {
    for (uint32_t v : remote_) {
      const uint16_t p = primary_of(v);
      const fw::PairState st = firmware().pairs().state(p);
      if (st == fw::PairState::duplex_pending ||
          (st == fw::PairState::suspended &&
           firmware().pairs().reason(p) == fw::SuspendReason::link_failure)) {
        return fmt::format("remote pair {:#06x} {} ({}), {} tracks out of sync", p,
                           fw::to_string(st), fw::to_string(firmware().pairs().reason(p)),
                           firmware().pairs().out_of_sync_tracks(p));
      }
    }
    for (const auto& l : locals_) {
      const uint16_t p = primary_of(l.primary), s = primary_of(l.secondary);
      if (firmware().local_pairs().state(p, s) == fw::LocalPairState::copy_in_progress) {
        return fmt::format("local pair {:#06x}->{:#06x} copy in progress, {} tracks unequal", p, s,
                           firmware().local_pairs().pair(p, s)->unequal_tracks);
      }
    }
    for (const auto& c : clones_) {
      const auto session = firmware().clones().session(primary_of(c.destination));
      if (session && session->state == fw::CloneState::active &&
          session->os_copy.op_status != fw::CloneOpStatus::failed) {
        return fmt::format("clone {:#06x} active, {} tracks to copy", primary_of(c.destination),
                           session->tracks_to_copy);
      }
    }
    return {};
  }

  void settle() {
    const uint64_t limit = now_ps() + kSettleLimitPs;
    for (std::string what; !(what = unsettled()).empty();) {
      if (now_ps() > limit) {
        failure(fmt::format("still copying {} s after the hosts stopped: {}",
                            kSettleLimitPs / 1'000'000'000'000, what));
        return;
      }
      wait(ps_time(1000 * kPsPerUs));
    }
  }

  void final_checks() {
    const uint64_t now = now_ps();
    for (uint32_t v : sources_) {
      const uint16_t device = primary_of(v);
      // Damaged blocks nobody wrote since: the host must get a data check
      // or the right data, never wrong data.
      for (auto [d, block] : std::set(damaged_)) {
        if (d != device) continue;
        std::vector<uint8_t> data(kBlock);
        const sc::IoStatus s = topology_.primary().read(0, device, block, 1, data);
        if (s.result == sc::IoResult::data_check) {
          react("media error reported to the host as a data check");
          continue;
        }
        Scoreboard::ImageCheck check(board_, fmt::format("damaged block of {:#06x}", device),
                                     device, now);
        if (s.ok()) check.blocks(block, data);
        damaged_.erase({d, block});
        if (!s.ok()) failure(fmt::format("read of damaged block: {}", s.message));
      }
      ++promises_["volume hosts write, at the end"];
      Scoreboard::ImageCheck check(board_, fmt::format("volume {:#06x} at the end", device), device,
                                   now);
      const std::vector<uint8_t> image =
          topology_.primary().peek(device, 0, static_cast<uint32_t>(volume_blocks()));
      for (uint64_t b = 0; b < volume_blocks(); ++b) {
        if (damaged_.count({device, b})) continue;
        check.blocks(b, std::span(image).subspan(b * kBlock, kBlock));
      }
    }
    for (uint32_t v = 0; v < plan_.volumes; ++v) {
      const std::string what = fmt::format("secondary {:#06x} at the end", secondary_volume(v));
      if (remote_.count(v) == 0) {
        check_volume("never-paired secondary untouched at the end", topology_.secondary(),
                     secondary_volume(v), secondary_volume(v), now, what, false,
                     0);  // nothing ever wrote it: all zeros
      } else if (firmware().pairs().state(primary_of(v)) == fw::PairState::full_duplex) {
        check_volume("remote pair secondary at the end", topology_.secondary(), secondary_volume(v),
                     primary_of(v), now, what, false);
      }
    }
    for (const auto& l : locals_) {
      if (l.point_ps &&
          firmware().local_pairs().state(primary_of(l.primary), primary_of(l.secondary)) ==
              fw::LocalPairState::copied) {
        check_volume("split secondary at the end", topology_.primary(), primary_of(l.secondary),
                     primary_of(l.primary), *l.point_ps,
                     fmt::format("split secondary {:#06x} at the end", primary_of(l.secondary)),
                     true);
      }
    }
    for (const auto& c : clones_) {
      if (c.point_ps &&
          firmware().clones().state(primary_of(c.destination)) == fw::CloneState::copied) {
        check_volume("clone destination at the end", topology_.primary(), primary_of(c.destination),
                     primary_of(c.source), *c.point_ps,
                     fmt::format("clone {:#06x} at the end", primary_of(c.destination)), true,
                     c.extent);
      }
    }
    end_ps_ = now;
  }

  nlohmann::json result() {
    uint64_t retries = 0, link_failures = 0;
    for (std::size_t i = 0; i < topology_.forward_adapter().paths(); ++i) {
      retries += topology_.forward_adapter().path(i).stats().retries;
      link_failures += topology_.forward_adapter().path(i).stats().failed;
    }
    if (retries > 0) react("link exchanges retried", retries);
    if (link_failures > 0) react("link exchanges failed over or given up", link_failures);
    for (uint32_t which : {0u, 1u}) {
      for (std::size_t i = 0; i < array(which).config().disk_adapters.count; ++i) {
        const uint64_t n = array(which).disk_adapter(i).stats().write_reassigns;
        if (n > 0) react("medium error on write: block reassigned, destage rewritten", n);
      }
      const sc::CacheStats& c = array(which).cache().stats();
      if (c.allocation_waits + c.write_pending_waits > 0) {
        react("cache waits (full)", c.allocation_waits + c.write_pending_waits);
      }
    }
    nlohmann::json j;
    j["seed"] = plan_.seed;
    j["mismatches"] = board_.mismatches();
    j["failures"] = board_.mismatch_reports();
    j["checks"] = board_.checks();
    j["bytes_compared"] = board_.bytes_compared();
    j["writes"] = writes_;
    j["reads"] = reads_;
    j["commands"] = commands_;
    j["events"] = events_;
    j["end_us"] = end_ps_ / kPsPerUs;
    j["faults"] = faults_;
    j["steps"] = steps_;
    j["refusals"] = refusals_;
    j["reactions"] = reactions_;
    j["promises_checked"] = promises_;
    return j;
  }

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
  uint64_t media_errors_ = 0;
  uint32_t hosts_running_ = 0;
  uint64_t writes_ = 0, reads_ = 0, commands_ = 0, events_ = 0, end_ps_ = 0;
  std::map<std::string, uint64_t> faults_, steps_, refusals_, reactions_, promises_;
};

}  // namespace

nlohmann::json run_plan(const Plan& plan, const RunOptions& options) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                          sc_core::SC_DISPLAY | sc_core::SC_THROW);
  Run run(plan, options);
  return run.go();
}

}  // namespace copysim::testing::random
