// The end of a randomized run: every fault over, the copies settled, and
// every volume checked against the reference model.
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "systemc/fault/injection.h"
#include "systemc/storage/parity_group.h"
#include "testbench/common/host_data.h"
#include "testbench/random/run_parts.h"

namespace copysim::testing::random::detail {

std::string Run::unsettled() {
  // A destage under way leaves its stripe's drives half old, half new: the
  // end checks read the drives only once every group is quiet.
  for (int which = 0; which < 2; ++which) {
    sc::StorageArray& a = array(which);
    for (std::size_t g = 0; g < a.parity_groups(); ++g) {
      if (const uint32_t n = a.parity_group(g).operations_in_flight(); n > 0) {
        return fmt::format("{}: {} operations in flight", a.parity_group(g).name(), n);
      }
    }
  }
  for (uint32_t v : remote_) {
    const uint16_t p = primary_of(v);
    const fw::PairState st = firmware().pairs().state(p);
    if (st == fw::PairState::duplex_pending ||
        (st == fw::PairState::suspended &&
         firmware().pairs().reason(p) == fw::SuspendReason::link_failure)) {
      return fmt::format("remote pair {:#06x} {} ({}), {} tracks out of sync", p, fw::to_string(st),
                         fw::to_string(firmware().pairs().reason(p)),
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

void Run::settle() {
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

void Run::final_checks() {
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
      Scoreboard::ImageCheck check(board_, fmt::format("damaged block of {:#06x}", device), device,
                                   now);
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

}  // namespace copysim::testing::random::detail
