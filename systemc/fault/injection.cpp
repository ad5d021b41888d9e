#include "systemc/fault/injection.h"

#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "systemc/common/sim_time.h"
#include "systemc/log/log.h"
#include "systemc/storage/parity_group.h"

namespace copysim::sc::fault {

namespace {

// The drive block under a volume's block.
std::pair<Drive*, uint64_t> locate(StorageArray& array, uint16_t device, uint64_t block) {
  const Volume* v = array.volume(device);
  if (v == nullptr || block >= v->geometry.blocks()) {
    throw std::out_of_range(
        fmt::format("{}: no block {} on device {:#06x}", array.name(), block, device));
  }
  const uint32_t bpt = v->geometry.blocks_per_track;
  const auto at = v->group->place(v->lba(block / bpt, static_cast<uint32_t>(block % bpt)));
  return {&v->group->drive(at.member), at.lba};
}

}  // namespace

void damage_block(StorageArray& array, uint16_t device, uint64_t block) {
  auto [drive, lba] = locate(array, device, block);
  drive->corrupt_block(lba, static_cast<unsigned>(block % (checkcode::kUserDataBytes * 8)));
  log_warning(array, "fault: media error under device {:#06x} block {}", device, block);
}

void fail_next_write(StorageArray& array, uint16_t device, uint64_t block) {
  auto [drive, lba] = locate(array, device, block);
  drive->fail_writes_to(lba);
  log_warning(array, "fault: the next write of device {:#06x} block {} fails", device, block);
}

void occupy_processors(StorageArray& array, uint64_t duration_ps) {
  Processors& cpus = array.processors();
  const auto cycles = static_cast<uint64_t>(double(duration_ps) * 1e-6 * cpus.config().clock_mhz);
  for (uint32_t core = 0; core < cpus.config().count; ++core) {
    sc_core::sc_spawn([&cpus, core, cycles] { cpus.execute_on(core, cycles); });
  }
  log_warning(array, "fault: every processor busy for {} us", duration_ps / 1'000'000);
}

uint64_t hold_cache(StorageArray& array, uint64_t duration_ps) {
  Cache& cache = array.cache();
  const uint64_t until = now_ps() + duration_ps;
  std::vector<Slot*> held;
  // Keys of no volume: the slots hold nothing anyone reads.
  for (uint64_t t = 0; cache.slots_in_use() < cache.config().slots && now_ps() < until; ++t) {
    held.push_back(&cache.acquire(SlotKey{0xffff, t}, 1));
  }
  log_warning(array, "fault: {} cache slots held for {} us", held.size(), duration_ps / 1'000'000);
  if (until > now_ps()) sc_core::wait(ps_time(until - now_ps()));
  for (Slot* slot : held) cache.release(*slot);
  return held.size();
}

void lose_drive(StorageArray& array, uint32_t drive, std::optional<uint64_t> rebuild_after_ps) {
  const uint32_t width = array.config().parity_group.width();
  if (drive >= array.config().drives) {
    throw std::out_of_range(
        fmt::format("{}: no drive {} (it has {})", array.name(), drive, array.config().drives));
  }
  ParityGroup& group = array.parity_group(drive / width);
  const uint32_t member = drive % width;
  group.fail_drive(member);
  log_warning(array, "fault: drive {} ({} member {}) stops answering", drive, group.name(), member);
  if (!rebuild_after_ps) return;
  sc_core::sc_spawn([&group, member, after = *rebuild_after_ps] {
    sc_core::wait(ps_time(after));
    if (!group.failed(member)) group.probe(member);
    if (group.failed(member) && !group.rebuilding()) group.rebuild(member);
  });
}

void corrupt_next_frames(FcLinkDirection& d, uint64_t frames) {
  for (uint64_t k = 0; k < frames; ++k) d.corrupt_frame(d.frames_sent() + k);
}

std::vector<uint16_t> lose_power(StorageArray& array, std::vector<FcLink*> links,
                                 uint64_t duration_ps,
                                 std::function<void(const std::vector<uint16_t>&)> restored) {
  for (FcLink* link : links) link->set_up(false);
  std::vector<uint16_t> lost = array.lose_power();
  sc_core::sc_spawn([links = std::move(links), lost, duration_ps, restored = std::move(restored)] {
    sc_core::wait(ps_time(duration_ps));
    for (FcLink* link : links) link->set_up(true);
    restored(lost);
  });
  return lost;
}

}  // namespace copysim::sc::fault
