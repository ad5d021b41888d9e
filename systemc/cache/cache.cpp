#include "systemc/cache/cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace copysim::sc {

bool Slot::any_dirty() const { return std::find(dirty.begin(), dirty.end(), true) != dirty.end(); }

bool Slot::all_valid(uint32_t first, uint32_t count) const {
  for (uint32_t i = first; i < first + count; ++i) {
    if (!valid[i]) return false;
  }
  return true;
}

Cache::Cache(CacheConfig config) : config_(config) {
  if (config.slots == 0 || config.ports == 0 || config.port.width_bytes == 0) {
    throw std::invalid_argument("cache: needs at least one slot and one port of non-zero width");
  }
  if (!(config.write_pending_limit > 0.0 && config.write_pending_limit <= 1.0)) {
    throw std::invalid_argument("cache: write_pending_limit must be in (0, 1]");
  }
  if (!(config.destage_high_water > 0.0 && config.destage_high_water <= 1.0) ||
      config.destage_age_ms < 0.0 || config.destage_gather_blocks == 0) {
    throw std::invalid_argument(
        "cache: destage_high_water must be in (0, 1], destage_age_ms not negative and "
        "destage_gather_blocks at least 1");
  }
  write_pending_limit_ = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::floor(double(config.slots) * config.write_pending_limit)));
  for (uint64_t i = 0; i < config.slots; ++i) {
    slots_.emplace_back();
  }
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) free_.push_back(&*it);
  for (uint32_t i = 0; i < config.ports; ++i) ports_.emplace_back(fmt::format("cache.port{}", i));
}

Slot* Cache::lookup(const SlotKey& key) {
  auto it = directory_.find(key);
  return it == directory_.end() ? nullptr : it->second;
}

// A slot is on the LRU list exactly when it is in use, clean and unpinned:
// only those may be evicted.
void Cache::update_lru(Slot& slot) {
  const bool evictable = slot.in_use && slot.pins == 0 && !slot.write_pending;
  if (evictable && !slot.in_lru) {
    slot.lru_it = lru_.insert(lru_.end(), &slot);
    slot.in_lru = true;
    slot_available_.notify(sc_core::SC_ZERO_TIME);
  } else if (!evictable && slot.in_lru) {
    lru_.erase(slot.lru_it);
    slot.in_lru = false;
  }
}

void Cache::touch(Slot& slot) {
  if (slot.in_lru) lru_.splice(lru_.end(), lru_, slot.lru_it);
}

Slot* Cache::evictable() {
  if (!free_.empty()) {
    Slot* s = free_.back();
    free_.pop_back();
    return s;
  }
  if (lru_.empty()) return nullptr;
  Slot* victim = lru_.front();
  lru_.pop_front();
  victim->in_lru = false;
  directory_.erase(victim->key);
  victim->in_use = false;
  --in_use_;
  ++stats_.evictions;
  return victim;
}

Slot* Cache::try_acquire(const SlotKey& key, uint32_t blocks_per_track) {
  if (Slot* hit = lookup(key)) {
    touch(*hit);
    ++hit->pins;
    update_lru(*hit);
    return hit;
  }
  Slot* s = evictable();
  if (s == nullptr) return nullptr;
  s->key = key;
  s->blocks = blocks_per_track;
  s->data.resize(std::size_t{blocks_per_track} * checkcode::kStoredBlockBytes);
  s->valid.assign(blocks_per_track, false);
  s->dirty.assign(blocks_per_track, false);
  s->pins = 1;
  s->queued_for_destage = false;
  s->write_pending = false;
  s->in_use = true;
  ++in_use_;
  directory_[key] = s;
  return s;
}

Slot& Cache::acquire(const SlotKey& key, uint32_t blocks_per_track) {
  for (;;) {
    if (Slot* s = try_acquire(key, blocks_per_track)) return *s;
    ++stats_.allocation_waits;
    sc_core::wait(slot_available_);
  }
}

void Cache::release(Slot& slot) {
  if (slot.pins == 0) throw std::logic_error("cache: release of an unpinned slot");
  --slot.pins;
  update_lru(slot);
}

void Cache::reserve_write_space() {
  const bool line_empty = next_ticket_ == serving_ticket_;
  if (!line_empty || write_pending_ + reserved_ >= write_pending_limit_) {
    ++stats_.write_pending_waits;
    const uint64_t ticket = next_ticket_++;
    while (ticket != serving_ticket_ || write_pending_ + reserved_ >= write_pending_limit_) {
      sc_core::wait(write_pending_dropped_);
    }
    ++serving_ticket_;
    write_pending_dropped_.notify(sc_core::SC_ZERO_TIME);  // the next in line may fit too
  }
  ++reserved_;
}

void Cache::mark_dirty(Slot& slot, uint32_t first, uint32_t count, bool reserved) {
  for (uint32_t i = first; i < first + count; ++i) {
    slot.valid[i] = true;
    slot.dirty[i] = true;
  }
  if (reserved) {
    if (reserved_ == 0) throw std::logic_error("cache: mark_dirty without a reservation");
    --reserved_;
    // Not needed after all (the slot was already write pending): room for another.
    if (slot.write_pending) write_pending_dropped_.notify(sc_core::SC_ZERO_TIME);
  }
  if (!slot.write_pending) {
    slot.write_pending = true;
    ++write_pending_;
    stats_.write_pending_peak = std::max(stats_.write_pending_peak, write_pending_);
    update_lru(slot);
  }
  if (!slot.queued_for_destage) {
    slot.queued_for_destage = true;
    if (on_write_pending) on_write_pending(slot);
  }
}

void Cache::destage_started(Slot&) { ++destaging_; }

void Cache::destaged(Slot& slot) {
  if (destaging_ == 0) throw std::logic_error("cache: destaged without destage_started");
  --destaging_;
  if (!slot.any_dirty()) {
    slot.queued_for_destage = false;
    slot.write_pending = false;
    --write_pending_;
    write_pending_dropped_.notify(sc_core::SC_ZERO_TIME);
    update_lru(slot);
  } else if (on_write_pending) {
    // Written again while its destage ran: destage once more.
    on_write_pending(slot);
  }
}

bool Cache::write_blocks(
    uint16_t device, uint32_t bpt, uint64_t block, uint32_t count,
    const std::function<void(uint32_t, std::span<uint8_t, checkcode::kStoredBlockBytes>)>& fill) {
  bool all_present = true;
  for (uint64_t b = block; b < block + count;) {
    const uint64_t track = b / bpt;
    const auto first = static_cast<uint32_t>(b % bpt);
    const auto n = static_cast<uint32_t>(std::min<uint64_t>(bpt - first, block + count - b));
    Slot* present = lookup({device, track});
    const bool reserve = present == nullptr || !present->write_pending;
    if (reserve) reserve_write_space();
    if (present == nullptr) all_present = false;
    Slot& slot = acquire({device, track}, bpt);
    for (uint32_t i = 0; i < n; ++i) {
      fill(static_cast<uint32_t>(b - block + i), slot.block(first + i));
      clear_lost(device, b + i);
    }
    mark_dirty(slot, first, n, reserve);
    release(slot);
    b += n;
  }
  return all_present;
}

void Cache::transfer(uint64_t bytes) {
  auto port = std::min_element(ports_.begin(), ports_.end(), [](const auto& a, const auto& b) {
    return a.free_at() < b.free_at();
  });
  stats_.bytes_transferred += bytes;
  port->use(config_.port.duration(bytes));
}

std::vector<uint16_t> Cache::lose_power(
    const std::function<void(const SlotKey&, uint32_t,
                             std::span<uint8_t, checkcode::kStoredBlockBytes>)>& on_drive) {
  std::set<uint16_t> lost;
  if (config_.non_volatile) return {};
  for (Slot& slot : slots_) {
    if (!slot.in_use) continue;
    for (uint32_t i = 0; i < slot.blocks; ++i) {
      // The dirty flag stays: the destage queued for it rewrites the old
      // data, which keeps the write-pending accounting as it was.
      if (!slot.dirty[i]) continue;
      on_drive(slot.key, i, slot.block(i));
      lost.insert(slot.key.device);
    }
  }
  return {lost.begin(), lost.end()};
}

}  // namespace copysim::sc
