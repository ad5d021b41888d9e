// The hosts of a randomized run: each owns its tracks, writes versioned
// data and checks what it reads against the reference model.
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

void Run::host(uint32_t h) {
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

void Run::write(uint32_t port, uint16_t device, uint64_t block, uint32_t count) {
  const uint64_t version = reference_.begin_write(device, block, count, now_ps());
  std::vector<uint8_t> data(std::size_t{count} * kBlock);
  fill_user_blocks(data, device, block, version);
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

bool Run::any_damaged(uint16_t device, uint64_t block, uint32_t count) const {
  for (uint32_t i = 0; i < count; ++i) {
    if (damaged_.count({device, block + i})) return true;
  }
  return false;
}

void Run::read_own(uint32_t port, uint16_t device, uint64_t block, uint32_t count) {
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

bool Run::read_a_copy(uint32_t port, uint64_t which, uint64_t where) {
  struct Target {
    uint16_t device, source;
    uint64_t point_ps, generation, first_track, tracks;
    const uint64_t* live_generation;
  };
  std::vector<Target> targets;
  for (auto& l : locals_) {
    if (l.point_ps && l.copied) {
      targets.push_back({primary_of(l.secondary), primary_of(l.primary), *l.point_ps, l.generation,
                         0, plan_.tracks, &l.generation});
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
      board_, fmt::format("host read of copy {:#06x} (point in time {} ps)", t.device, t.point_ps),
      t.source, t.point_ps);
  check.blocks(track * bpt, data);
  check.writes_whole();
  return true;
}

}  // namespace copysim::testing::random::detail
