// A disk adapter (DKA in seed 004): back-end ports to its drives, staging
// tracks from drive to cache (and ahead of sequential readers and copies)
// and destaging write-pending tracks from cache to drive by the cache's
// destage policy, and the DRR address-change unit on the copy path between
// two cache slots (seed 004, Fig. 10B).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "rtl/drr/drr_pins.h"
#include "systemc/cache/cache.h"
#include "systemc/common/resource.h"
#include "systemc/cpu/processors.h"
#include "systemc/disk_adapter/destage_queue.h"
#include "systemc/disk_adapter/sequential_detector.h"
#include "systemc/drr/drr_unit.h"
#include "systemc/storage/drive.h"
#include "systemc/storage/volume.h"

namespace copysim::sc {

struct DiskAdapterConfig {
  uint32_t count = 2;                // adapters in the array
  uint32_t ports = 4;                // back-end ports per adapter
  ClockedPath port{150.0, 8, 0};     // 1.2 GB/s: a 12 Gb/s SAS lane
  double command_overhead_us = 5.0;  // adapter hardware per drive command
  uint64_t command_cycles = 5000;    // processor cycles per stage or destage
  uint32_t destage_streams = 64;     // destages running at once per adapter
  DrrUnit::Config drr;
};

struct DiskAdapterStats {
  uint64_t stages = 0;
  uint64_t blocks_staged = 0;
  uint64_t destages = 0;
  uint64_t blocks_destaged = 0;
  uint64_t destage_data_checks = 0;  // blocks found damaged in cache at destage
  uint64_t write_reassigns = 0;      // medium errors on write, block reassigned
  uint64_t blocks_lost = 0;          // on drives lost beyond their group's parity
  uint64_t copies = 0;
  uint64_t prefetches = 0;         // stage-ahead commands
  uint64_t tracks_prefetched = 0;  // tracks they staged
  uint64_t gathered_destages = 0;  // destages of more than one track
  uint64_t pressed_destages = 0;   // taken above the high-water mark
};

class DiskAdapter : public sc_core::sc_module {
 public:
  DiskAdapter(const sc_core::sc_module_name& name, const DiskAdapterConfig& config, Cache& cache,
              Processors& processors);

  // Connects a drive to the next back-end port (round robin); returns the port.
  uint32_t attach(Drive& drive);

  using Priority = DriveCommand::Priority;
  // From a thread process: reads blocks [first, first + count) of the slot's
  // track from the volume's drive into the slot (blocks already valid keep
  // their newer data). The slot must be pinned by the caller.
  void stage(Slot& slot, const Volume& volume, uint32_t first, uint32_t count,
             Priority priority = Priority::host);
  // From a thread process: makes blocks [first, first + count) of a pinned
  // slot valid, staging what is missing (waiting for a stage already running
  // on the slot), and stages ahead when the slot's track continues a
  // sequential stream. Returns whether anything had to be staged.
  bool make_valid(Slot& slot, const Volume& volume, uint32_t first, uint32_t count,
                  Priority priority = Priority::host);
  // Queues a write-pending slot for destage to the volume's drive.
  void enqueue_destage(Slot& slot, const Volume& volume);
  // From a thread process: copies blocks [first, first + count) of `src`'s
  // track into `dst`'s through the DRR unit, which rewrites each block's LA
  // to `dst_volume` and its check code; missing source blocks are staged
  // first, and the `dst` blocks become dirty. Both slots must be pinned.
  drr::DrrStatus copy(Slot& src, const Volume& src_volume, Slot& dst, const Volume& dst_volume,
                      uint32_t first, uint32_t count);

  const DiskAdapterConfig& config() const { return config_; }
  const DiskAdapterStats& stats() const { return stats_; }
  const std::vector<Resource>& ports() const { return ports_; }
  Resource& port(uint32_t i) { return ports_.at(i); }
  DrrUnit& drr() { return *drr_; }
  std::size_t destage_queue_depth() const { return destage_queue_.size(); }

 private:
  void destage_stream();
  void destage(const std::vector<DestageQueue::Entry>& batch, Priority priority);
  // Whole tracks [first, first + count) staged with as few group reads as
  // the cache allows, in a process of their own.
  void stage_ahead(const Volume& volume, uint64_t first, uint64_t count, Priority priority);
  void stage_tracks(const std::vector<Slot*>& slots, const Volume& volume, Priority priority);

  DiskAdapterConfig config_;
  Cache& cache_;
  Processors& processors_;
  std::vector<Resource> ports_;
  uint32_t next_port_ = 0;
  std::unique_ptr<DrrUnit> drr_;
  DestageQueue destage_queue_;
  uint64_t high_water_slots_;
  sc_core::sc_event destage_queued_;
  SequentialDetector sequential_;
  uint64_t prefetch_window_slots_;
  DiskAdapterStats stats_;
};

}  // namespace copysim::sc
