// The timeline of a randomized run: planned commands, injected faults, and
// commands sent in the wrong state.
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "systemc/fault/injection.h"
#include "testbench/common/host_data.h"
#include "testbench/random/run_parts.h"

namespace copysim::testing::random::detail {

fw::CommandStatus Run::command(uint16_t code, uint16_t a, uint16_t b, uint64_t p0, uint64_t p1) {
  ++commands_;
  return fw::decode_status(
      topology_.primary().command(0, fw::encode(fw::CommandBlock{code, a, b, {p0, p1, 0}})));
}

void Run::timeline() {
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
  // Long enough for a report from the far end (two propagation delays at
  // the plans' 100 km at most, plus the command) to arrive first.
  wait(ps_time(5000 * kPsPerUs));
  for (std::size_t k = 0; k < topology_.link_count(); ++k) topology_.link(k).set_up(true);
  settle();
  final_checks();
  sc_core::sc_stop();
}

uint16_t Run::code_of(const std::string& action) {
  static const std::map<std::string, uint16_t> codes = {
      {"remote.establish", fw::kEstablishPair},   {"remote.suspend", fw::kSuspendPair},
      {"remote.resume", fw::kResumePair},         {"local.create", fw::kCreateLocalPair},
      {"local.split", fw::kCopyLocalPair},        {"local.resync", fw::kResyncLocalPair},
      {"local.suspend", fw::kSuspendLocalPair},   {"clone.create", fw::kCreateClone},
      {"clone.create_precopy", fw::kCreateClone}, {"clone.activate", fw::kActivateClone}};
  auto it = codes.find(action);
  return it == codes.end() ? 0 : it->second;
}

void Run::do_step(const Step& s) {
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

void Run::expect_ok(const Step& s, const fw::CommandStatus& st) {
  if (!st.ok()) failure(fmt::format("{} at {} us refused: {}", s.action, s.at_us, st.message));
}

void Run::note(const Step& s, const fw::CommandStatus& st) {
  if (st.ok()) return;
  ++refusals_[std::string(fw::to_string(st.result))];
  if (st.result != fw::CommandResult::invalid_state &&
      st.result != fw::CommandResult::no_resources) {
    failure(fmt::format("{} at {} us: {}", s.action, s.at_us, st.message));
  }
}

uint64_t Run::lasts_us(const Step& s) {
  static const std::set<std::string> lasting = {"fault.link_down", "fault.frame_delay",
                                                "fault.cpu_busy", "fault.cache_full",
                                                "fault.power_loss"};
  return lasting.count(s.action) ? s.value : 0;
}

void Run::inject(const Step& s) {
  const uint64_t duration = lasts_us(s) * kPsPerUs;
  if (s.action == "fault.link_down") {
    sc::FcLink& link = topology_.link(s.a % plan_.links);
    link.set_up(false);
    sc_core::sc_spawn([&link, duration] {
      wait(ps_time(duration));
      link.set_up(true);
    });
  } else if (s.action == "fault.frame_corrupt") {
    errors_explained_ = true;  // a send may run out of retries
    sc::fault::corrupt_next_frames(topology_.link(s.a % plan_.links).forward(), s.value);
  } else if (s.action == "fault.frame_drop") {
    errors_explained_ = true;  // a send may run out of retries
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
    errors_explained_ = true;
  } else if (s.action == "fault.power_loss") {
    // Every link to it goes dark; it comes back after `duration`,
    // reporting the volumes whose write-pending data the power loss took.
    std::vector<sc::FcLink*> links;
    for (std::size_t k = 0; k < topology_.link_count(); ++k) links.push_back(&topology_.link(k));
    const std::vector<uint16_t> lost = sc::fault::lose_power(
        topology_.secondary(), std::move(links), duration, [this](const std::vector<uint16_t>& v) {
          topology_.secondary_hardware().power_restored(
              options_.mutant_secondary_keeps_quiet ? std::vector<uint16_t>{} : v);
        });
    if (!lost.empty()) react("secondary lost write-pending data (volumes)", lost.size());
  } else if (s.action == "fault.drive_loss") {
    // Only where the layout covers it (a single drive has no redundancy),
    // and one drive per array: the randomized runs check that no byte is
    // lost while a group is degraded and rebuilt. Losses beyond the code
    // are checked in parity_group_test.
    const uint32_t which = s.a % 2;
    if (plan_.drives >= 2 && lost_drive_[which] == 0) {
      lost_drive_[which] = 1;
      std::optional<uint64_t> rebuild;
      if (s.value > 0) rebuild = s.value * kPsPerUs;
      sc::fault::lose_drive(array(which), s.b % plan_.drives, rebuild);
      react("drives lost (found by their timeout)", 1);
    }
  } else if (s.action == "fault.write_error") {
    sc::fault::fail_next_write(topology_.primary(), primary_of(sources_.at(s.a % sources_.size())),
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

void Run::wrong_state(uint64_t which) {
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
    failure(fmt::format("refused command {:#06x} on {:#06x} still changed its state", w.code, w.a));
  }
}

}  // namespace copysim::testing::random::detail
