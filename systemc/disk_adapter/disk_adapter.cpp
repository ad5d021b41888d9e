#include "systemc/disk_adapter/disk_adapter.h"

#include <fmt/format.h>

#include <cmath>

#include "systemc/common/sim_time.h"
#include "systemc/log/log.h"
#include "systemc/storage/parity_group.h"

namespace copysim::sc {

using checkcode::kStoredBlockBytes;

DiskAdapter::DiskAdapter(const sc_core::sc_module_name& name, const DiskAdapterConfig& config,
                         Cache& cache, Processors& processors)
    : sc_core::sc_module(name),
      config_(config),
      cache_(cache),
      processors_(processors),
      destage_queue_({static_cast<uint64_t>(std::llround(cache.config().destage_age_ms * 1e9)),
                      cache.config().destage_gather_blocks}),
      high_water_slots_(std::max<uint64_t>(
          1,
          static_cast<uint64_t>(double(cache.config().slots) * cache.config().destage_high_water))),
      // Staging ahead pins its slots: never more than an eighth of the cache.
      prefetch_window_slots_(cache.config().slots / 8) {
  if (config.ports == 0 || config.destage_streams == 0) {
    throw std::invalid_argument(
        fmt::format("{}: needs at least one port and one destage stream", this->name()));
  }
  for (uint32_t i = 0; i < config.ports; ++i) {
    ports_.emplace_back(fmt::format("{}.port{}", this->name(), i));
  }
  DrrUnit::Config drr = config.drr;
  if (!drr.wave_file.empty()) {
    // One file per adapter: <stem>.<adapter>.fst.
    const std::string leaf = basename();
    const auto dot = drr.wave_file.rfind(".fst");
    drr.wave_file = (dot == std::string::npos ? drr.wave_file : drr.wave_file.substr(0, dot)) +
                    "." + leaf + ".fst";
  }
  drr_ = std::make_unique<DrrUnit>("drr", drr);
  SC_HAS_PROCESS(DiskAdapter);
  for (uint32_t i = 0; i < config.destage_streams; ++i) {
    sc_core::sc_spawn(sc_bind(&DiskAdapter::destage_stream, this),
                      fmt::format("destage{}", i).c_str());
  }
}

uint32_t DiskAdapter::attach(Drive&) { return next_port_++ % config_.ports; }

void DiskAdapter::stage(Slot& slot, const Volume& volume, uint32_t first, uint32_t count,
                        Priority priority) {
  processors_.execute(config_.command_cycles);
  wait(sc_core::sc_time(config_.command_overhead_us, sc_core::SC_US));
  std::vector<uint8_t> buffer(std::size_t{count} * kStoredBlockBytes);
  const uint64_t lba = volume.lba(slot.key.track, first);
  const GroupReadResult read = volume.group->read(lba, count, buffer, priority);
  for (uint64_t bad : read.unreadable) {
    // Neither on its drive nor rebuildable: gone, and every read says so.
    const uint64_t block = bad - volume.first_lba;
    cache_.mark_lost(volume.device, block, Cache::LostReason::drives_lost);
    ++stats_.blocks_lost;
  }
  if (!read.ok) {
    log_error(*this,
              "device {:#06x} track {}: {} blocks unreadable, {} has lost more drives "
              "than its parity covers",
              volume.device, slot.key.track, read.unreadable.size(), volume.group->name());
  }
  cache_.transfer(buffer.size());
  // Blocks written by a host while the stage ran are newer than the drive's.
  for (uint32_t i = 0; i < count; ++i) {
    if (slot.valid[first + i]) continue;
    const auto src =
        std::span(buffer).subspan(std::size_t{i} * kStoredBlockBytes, kStoredBlockBytes);
    std::copy(src.begin(), src.end(), slot.block(first + i).begin());
    slot.valid[first + i] = true;
  }
  ++stats_.stages;
  stats_.blocks_staged += count;
}

bool DiskAdapter::make_valid(Slot& slot, const Volume& volume, uint32_t first, uint32_t count,
                             Priority priority) {
  const uint64_t window = std::min<uint64_t>(
      prefetch_window_slots_, cache_.config().prefetch_blocks / volume.geometry.blocks_per_track);
  const auto ahead =
      sequential_.access(volume.device, slot.key.track, volume.geometry.tracks, window);
  if (ahead.count > 0) {
    sc_core::sc_spawn([this, &volume, ahead, priority] {
      stage_ahead(volume, ahead.first, ahead.count, priority);
    });
  }
  bool staged = false;
  while (!slot.all_valid(first, count)) {
    if (slot.staging) {
      wait(slot.changed);
      continue;
    }
    // Stage from the first to the last block not in cache, in one command.
    uint32_t lo = first, hi = first + count;
    while (slot.valid[lo]) ++lo;
    while (slot.valid[hi - 1]) --hi;
    staged = true;
    slot.staging = true;
    stage(slot, volume, lo, hi - lo, priority);
    slot.staging = false;
    slot.changed.notify(sc_core::SC_ZERO_TIME);
  }
  return staged;
}

// Tracks wholly in cache at either end of the range are left out; one in
// the middle is read again with its neighbours, keeping its newer blocks,
// so that one command covers the range. A track another stage is filling
// splits it in two; a track with no slot free ends it.
void DiskAdapter::stage_ahead(const Volume& volume, uint64_t first, uint64_t count,
                              Priority priority) {
  const uint32_t bpt = volume.geometry.blocks_per_track;
  std::vector<Slot*> run;
  auto stage_run = [&] {
    if (run.empty()) return;
    stage_tracks(run, volume, priority);
    for (Slot* s : run) {
      s->staging = false;
      s->changed.notify(sc_core::SC_ZERO_TIME);
      cache_.release(*s);
    }
    ++stats_.prefetches;
    stats_.tracks_prefetched += run.size();
    run.clear();
  };
  // Whole tracks in cache at the ends of a run are not read at all.
  std::size_t whole_at_end = 0;
  auto trim_and_stage = [&] {
    for (; whole_at_end > 0; --whole_at_end) {
      run.back()->staging = false;
      run.back()->changed.notify(sc_core::SC_ZERO_TIME);
      cache_.release(*run.back());
      run.pop_back();
    }
    stage_run();
  };
  for (uint64_t t = first; t < first + count; ++t) {
    Slot* s = cache_.try_acquire({volume.device, t}, bpt);
    if (s == nullptr) break;
    const bool whole = s->all_valid(0, bpt);
    if (s->staging || (whole && run.empty())) {
      cache_.release(*s);
      trim_and_stage();
      continue;
    }
    s->staging = true;
    run.push_back(s);
    whole_at_end = whole ? whole_at_end + 1 : 0;
  }
  trim_and_stage();
}

// One group read for consecutive tracks; blocks already valid in a slot
// (written by a host meanwhile) keep their newer data.
void DiskAdapter::stage_tracks(const std::vector<Slot*>& slots, const Volume& volume,
                               Priority priority) {
  const uint32_t bpt = volume.geometry.blocks_per_track;
  const auto count = static_cast<uint32_t>(slots.size() * bpt);
  processors_.execute(config_.command_cycles);
  wait(sc_core::sc_time(config_.command_overhead_us, sc_core::SC_US));
  std::vector<uint8_t> buffer(std::size_t{count} * kStoredBlockBytes);
  const uint64_t lba = volume.lba(slots.front()->key.track, 0);
  const GroupReadResult read = volume.group->read(lba, count, buffer, priority);
  for (uint64_t bad : read.unreadable) {
    cache_.mark_lost(volume.device, bad - volume.first_lba, Cache::LostReason::drives_lost);
    ++stats_.blocks_lost;
  }
  if (!read.ok) {
    log_error(*this,
              "device {:#06x} tracks {}..{}: {} blocks unreadable, {} has lost more drives "
              "than its parity covers",
              volume.device, slots.front()->key.track, slots.back()->key.track,
              read.unreadable.size(), volume.group->name());
  }
  cache_.transfer(buffer.size());
  for (std::size_t k = 0; k < slots.size(); ++k) {
    Slot& slot = *slots[k];
    for (uint32_t i = 0; i < bpt; ++i) {
      if (slot.valid[i]) continue;
      const auto src =
          std::span(buffer).subspan((k * bpt + i) * kStoredBlockBytes, kStoredBlockBytes);
      std::copy(src.begin(), src.end(), slot.block(i).begin());
      slot.valid[i] = true;
    }
  }
  ++stats_.stages;
  stats_.blocks_staged += count;
}

void DiskAdapter::enqueue_destage(Slot& slot, const Volume& volume) {
  destage_queue_.push(slot, volume, now_ps());
  destage_queued_.notify(sc_core::SC_ZERO_TIME);
}

void DiskAdapter::destage_stream() {
  for (;;) {
    uint64_t due_ps = 0;
    const bool pressed = cache_.write_pending_not_destaging() >= high_water_slots_;
    const auto batch = destage_queue_.take(now_ps(), pressed, due_ps);
    if (batch.empty()) {
      if (due_ps == 0) {
        wait(destage_queued_);
      } else {
        wait(ps_time(due_ps - now_ps()), destage_queued_);
      }
      continue;
    }
    for (const auto& e : batch) {
      ++e.slot->pins;
      cache_.destage_started(*e.slot);
    }
    if (batch.size() > 1) ++stats_.gathered_destages;
    if (pressed) ++stats_.pressed_destages;
    // Above the high-water mark host writes are about to wait for destages:
    // they are host work then.
    destage(batch, pressed ? Priority::host : Priority::background);
    for (const auto& e : batch) {
      cache_.release(*e.slot);
      cache_.destaged(*e.slot);
    }
  }
}

// Takes the dirty blocks at its start (later writes destage again), checks
// each one, and writes each run of consecutive dirty blocks, across the
// batch's tracks, with one group write.
void DiskAdapter::destage(const std::vector<DestageQueue::Entry>& batch, Priority priority) {
  struct Run {
    uint64_t lba;
    std::vector<uint8_t> data;
    uint64_t end() const { return lba + data.size() / kStoredBlockBytes; }
  };
  const Volume& volume = *batch.front().volume;
  std::vector<Run> runs;
  for (const auto& e : batch) {
    Slot& slot = *e.slot;
    for (uint32_t i = 0; i < slot.blocks; ++i) {
      if (!slot.dirty[i]) continue;
      slot.dirty[i] = false;
      const checkcode::LogicalAddress la{volume.device,
                                         static_cast<uint32_t>(slot.key.track * slot.blocks + i)};
      const auto check = checkcode::verify(slot.block(i), la);
      if (check != checkcode::BlockCheck::ok) {
        ++stats_.destage_data_checks;
        slot.valid[i] = false;  // never written to the drive as good data
        cache_.mark_lost(volume.device, la.block);
        log_error(*this, "data check at destage: device {:#06x} block {}: {}; the block is lost",
                  volume.device, la.block, checkcode::to_string(check));
        continue;
      }
      const uint64_t lba = volume.lba(slot.key.track, i);
      if (runs.empty() || runs.back().end() != lba) runs.push_back({lba, {}});
      auto b = slot.block(i);
      runs.back().data.insert(runs.back().data.end(), b.begin(), b.end());
    }
  }
  for (const Run& run : runs) {
    const auto count = static_cast<uint32_t>(run.data.size() / kStoredBlockBytes);
    processors_.execute(config_.command_cycles);
    cache_.transfer(run.data.size());
    wait(sc_core::sc_time(config_.command_overhead_us, sc_core::SC_US));
    // Medium errors on write are reassigned and rewritten by the group (the
    // data is still in hand, so nothing is lost).
    const GroupWriteResult r = volume.group->write(run.lba, count, run.data, priority);
    if (r.reassigned > 0) {
      stats_.write_reassigns += r.reassigned;
      log_warning(*this,
                  "medium error writing device {:#06x} blocks {}..{}: {} block(s) reassigned "
                  "and rewritten",
                  volume.device, run.lba - volume.first_lba, run.end() - volume.first_lba - 1,
                  r.reassigned);
    }
    for (uint64_t bad : r.lost) {
      cache_.mark_lost(volume.device, bad - volume.first_lba, Cache::LostReason::drives_lost);
      ++stats_.blocks_lost;
    }
    if (!r.lost.empty()) {
      log_error(*this,
                "device {:#06x} blocks {}..{}: {} blocks not stored, {} has lost more drives "
                "than its parity covers",
                volume.device, run.lba - volume.first_lba, run.end() - volume.first_lba - 1,
                r.lost.size(), volume.group->name());
    }
    ++stats_.destages;
    stats_.blocks_destaged += count;
  }
}

drr::DrrStatus DiskAdapter::copy(Slot& src, const Volume& src_volume, Slot& dst,
                                 const Volume& dst_volume, uint32_t first, uint32_t count) {
  if (first + count > src.blocks || first + count > dst.blocks) {
    throw std::out_of_range(
        fmt::format("{}: copy of blocks {}..{} outside the track", name(), first, first + count));
  }
  make_valid(src, src_volume, first, count, Priority::background);
  processors_.execute(config_.command_cycles);
  const std::size_t bytes = std::size_t{count} * kStoredBlockBytes;
  const auto in = std::span<const uint8_t>(src.data).subspan(first * kStoredBlockBytes, bytes);
  std::vector<uint8_t> out(bytes);
  cache_.transfer(bytes);  // first cache location -> DRR buffer
  const drr::DrrCommand cmd{
      {src_volume.device, static_cast<uint32_t>(src.key.track * src.blocks + first)},
      {dst_volume.device, static_cast<uint32_t>(dst.key.track * dst.blocks + first)},
      count};
  const drr::DrrStatus status = drr_->transfer(cmd, in, out);
  cache_.transfer(bytes);  // DRR buffer -> second cache location
  const bool reserve = !dst.write_pending;
  if (reserve) cache_.reserve_write_space();
  std::copy(out.begin(), out.end(), dst.block(first).begin());
  // A block that came through intact replaces whatever was lost there; a
  // damaged one stays damaged and is caught at destage or read.
  for (uint32_t i = 0; i < count; ++i) {
    const checkcode::LogicalAddress la{dst_volume.device, cmd.target.block + i};
    if (checkcode::verify(dst.block(first + i), la) == checkcode::BlockCheck::ok) {
      cache_.clear_lost(dst_volume.device, cmd.target.block + i);
    }
  }
  cache_.mark_dirty(dst, first, count, reserve);
  ++stats_.copies;
  return status;
}

}  // namespace copysim::sc
