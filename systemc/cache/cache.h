// The cache memory: track slots holding real stored blocks, a directory
// from (device, track) to slot, LRU replacement of clean slots, and
// write-pending accounting. Host writes land here and are acknowledged
// before destage; a disk adapter destages write-pending slots in the
// background. Data moves through `ports` access ports, each a clocked path,
// arbitrated first-free.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <systemc>

#include "rtl/checkcode/stored_block.h"
#include "systemc/common/resource.h"

namespace copysim::sc {

struct CacheConfig {
  uint64_t slots = 4096;  // track slots
  uint32_t ports = 4;
  ClockedPath port{250.0, 64, 8};
  // Share of the slots that may hold write-pending data; a host write that
  // would exceed it waits for a destage (write throttling).
  double write_pending_limit = 0.8;
  // Write-pending data survives a power loss (battery-backed non-volatile
  // store, as enterprise arrays have); without it, it is lost.
  bool non_volatile = true;
  // Destage policy (docs/PLATFORM.md, "Destage policy"): a write-pending
  // track waits this long for more writes to it and its neighbours...
  double destage_age_ms = 30.0;
  // ...unless write-pending data holds this share of the slots or more...
  double destage_high_water = 0.4;
  // ...or it and its queued neighbours make a destage unit this large
  // (blocks written to the parity group in one operation, at most).
  uint32_t destage_gather_blocks = 8192;
  // Sequential reads and copies stage this many blocks ahead (0: none).
  uint32_t prefetch_blocks = 8192;
};

struct SlotKey {
  uint16_t device = 0;
  uint64_t track = 0;
  bool operator==(const SlotKey&) const = default;
};

struct SlotKeyHash {
  std::size_t operator()(const SlotKey& k) const {
    return std::hash<uint64_t>{}(k.track * 65537u + k.device);
  }
};

// One track's worth of stored blocks in cache.
class Slot {
 public:
  SlotKey key;
  uint32_t blocks = 0;
  std::vector<uint8_t> data;   // blocks x 520 bytes
  std::vector<bool> valid;     // block holds the track's current data
  std::vector<bool> dirty;     // block is newer than the drive (write pending)
  uint32_t pins = 0;           // IOs, stages and destages using the slot
  bool staging = false;        // a stage into this slot is running
  bool write_pending = false;  // has dirty blocks or a destage of them running
  bool queued_for_destage = false;
  bool in_use = false;
  sc_core::sc_event changed;  // a stage or destage on this slot finished

  std::span<uint8_t, checkcode::kStoredBlockBytes> block(uint32_t i) {
    return std::span(data)
        .subspan(std::size_t{i} * checkcode::kStoredBlockBytes)
        .first<checkcode::kStoredBlockBytes>();
  }
  bool any_dirty() const;
  bool all_valid(uint32_t first, uint32_t count) const;

 private:
  friend class Cache;
  std::list<Slot*>::iterator lru_it;
  bool in_lru = false;
};

struct CacheStats {
  uint64_t read_hits = 0;
  uint64_t read_misses = 0;
  uint64_t write_hits = 0;  // write into a slot already present
  uint64_t write_misses = 0;
  uint64_t evictions = 0;
  uint64_t allocation_waits = 0;     // no clean slot: waited for a destage
  uint64_t write_pending_waits = 0;  // write-pending limit reached
  uint64_t write_pending_peak = 0;
  uint64_t bytes_transferred = 0;
};

class Cache {
 public:
  explicit Cache(CacheConfig config);

  // Called when a slot becomes write pending (to queue its destage).
  std::function<void(Slot&)> on_write_pending;

  Slot* lookup(const SlotKey& key);
  // From a thread process: a slot for `key`, pinned, allocating (and waiting
  // for a clean slot to evict) if absent.
  Slot& acquire(const SlotKey& key, uint32_t blocks_per_track);
  // The same without waiting: nullptr when no slot is free or evictable.
  Slot* try_acquire(const SlotKey& key, uint32_t blocks_per_track);
  void release(Slot& slot);

  // From a thread process: reserve room for one more write-pending slot,
  // waiting while the limit is reached; writers that have to wait are let
  // through in arrival order. The reservation is used by the next
  // mark_dirty(..., reserved = true).
  void reserve_write_space();
  // Marks blocks dirty (and valid) and queues the slot when it turns write
  // pending; `reserved` hands back a reservation made for this write.
  void mark_dirty(Slot& slot, uint32_t first, uint32_t count, bool reserved);
  // A destage took the slot's dirty blocks (it stays write pending until
  // destaged): write-pending slots not yet taken are what presses destage.
  void destage_started(Slot& slot);
  // After a destage wrote the dirty blocks it took (and cleared) at its start.
  void destaged(Slot& slot);

  // From a thread process: writes blocks [block, block + count) of a volume
  // of `blocks_per_track` into cache as write-pending data, track by track,
  // throttled by the write-pending limit. `fill(i, dst)` produces block
  // `block + i` in its slot. Returns whether every track was in cache.
  bool write_blocks(
      uint16_t device, uint32_t blocks_per_track, uint64_t block, uint32_t count,
      const std::function<void(uint32_t, std::span<uint8_t, checkcode::kStoredBlockBytes>)>& fill);

  // A power loss: without a non-volatile store every write-pending block
  // reverts to what `on_drive` reads from the drive (the newer data is
  // gone). Returns the devices that lost data.
  std::vector<uint16_t> lose_power(
      const std::function<void(const SlotKey&, uint32_t block_in_track,
                               std::span<uint8_t, checkcode::kStoredBlockBytes>)>& on_drive);

  // From a thread process: `bytes` through the first free cache port.
  void transfer(uint64_t bytes);

  // Blocks whose data is gone: found damaged in cache at destage, or on
  // drives lost beyond what their parity group can rebuild. Reads report a
  // data check until a host writes them again.
  enum class LostReason { damaged_in_cache, drives_lost };
  void mark_lost(uint16_t device, uint64_t block,
                 LostReason reason = LostReason::damaged_in_cache) {
    lost_[lost_key(device, block)] = reason;
  }
  bool is_lost(uint16_t device, uint64_t block) const {
    return !lost_.empty() && lost_.count(lost_key(device, block)) != 0;
  }
  LostReason lost_reason(uint16_t device, uint64_t block) const {
    return lost_.at(lost_key(device, block));
  }
  void clear_lost(uint16_t device, uint64_t block) {
    if (!lost_.empty()) lost_.erase(lost_key(device, block));
  }
  std::size_t lost_blocks() const { return lost_.size(); }

  uint64_t write_pending() const { return write_pending_; }
  uint64_t write_pending_not_destaging() const { return write_pending_ - destaging_; }
  uint64_t slots_in_use() const { return in_use_; }
  const CacheConfig& config() const { return config_; }
  CacheStats& stats() { return stats_; }
  const CacheStats& stats() const { return stats_; }
  const std::vector<Resource>& ports() const { return ports_; }

 private:
  void touch(Slot& slot);
  void update_lru(Slot& slot);
  Slot* evictable();

  CacheConfig config_;
  uint64_t write_pending_limit_;
  std::deque<Slot> slots_;
  std::vector<Slot*> free_;
  std::list<Slot*> lru_;  // clean, unpinned slots; front = least recently used
  std::unordered_map<SlotKey, Slot*, SlotKeyHash> directory_;
  std::vector<Resource> ports_;
  sc_core::sc_event slot_available_;
  sc_core::sc_event write_pending_dropped_;
  static uint64_t lost_key(uint16_t device, uint64_t block) {
    return (uint64_t{device} << 48) | block;
  }
  std::unordered_map<uint64_t, LostReason> lost_;
  uint64_t write_pending_ = 0;
  uint64_t destaging_ = 0;       // write-pending slots a destage has taken
  uint64_t reserved_ = 0;        // reservations not yet turned into write-pending slots
  uint64_t next_ticket_ = 0;     // the next waiting writer's place in line
  uint64_t serving_ticket_ = 0;  // the waiting writer that may go next
  uint64_t in_use_ = 0;
  CacheStats stats_;
};

}  // namespace copysim::sc
