#include "systemc/disk_adapter/destage_queue.h"

namespace copysim::sc {

void DestageQueue::push(Slot& slot, const Volume& volume, uint64_t now_ps) {
  const Key key{slot.key.device, slot.key.track};
  const uint64_t sequence = next_sequence_++;
  by_track_[key] = {{&slot, &volume, now_ps}, sequence};
  by_age_[sequence] = key;
  const auto [first, blocks] = run_around(key);
  if (blocks >= policy_.gather_blocks) whole_units_.insert(first);
}

std::pair<DestageQueue::Key, uint64_t> DestageQueue::run_around(const Key& key) const {
  const uint64_t bpt = by_track_.at(key).entry.slot->blocks;
  uint64_t blocks = bpt;
  Key first = key;
  while (first.second > 0 && blocks < policy_.gather_blocks &&
         by_track_.count({first.first, first.second - 1}) != 0) {
    --first.second;
    blocks += bpt;
  }
  for (Key k{key.first, key.second + 1};
       blocks < 2 * uint64_t{policy_.gather_blocks} && by_track_.count(k) != 0; ++k.second) {
    blocks += bpt;
  }
  return {first, blocks};
}

std::vector<DestageQueue::Entry> DestageQueue::take(uint64_t now_ps, bool pressed,
                                                    uint64_t& next_due_ps) {
  next_due_ps = 0;
  if (by_track_.empty()) return {};
  const Key oldest = by_age_.begin()->second;
  const uint64_t queued = by_track_.at(oldest).entry.queued_ps;
  if (pressed || now_ps >= queued + policy_.age_ps) return gather(oldest);
  while (!whole_units_.empty()) {
    const Key k = *whole_units_.begin();
    whole_units_.erase(whole_units_.begin());
    if (by_track_.count(k) != 0) return gather(k);
  }
  next_due_ps = queued + policy_.age_ps;
  return {};
}

// From `start`, first back to the start of its run (within one unit), then
// forward, up to `gather_blocks`.
std::vector<DestageQueue::Entry> DestageQueue::gather(const Key& start) {
  const Key first = run_around(start).first;
  std::vector<Entry> taken;
  uint64_t gathered = 0;
  for (Key k = first; gathered < policy_.gather_blocks; ++k.second) {
    auto it = by_track_.find(k);
    if (it == by_track_.end()) break;
    taken.push_back(it->second.entry);
    gathered += it->second.entry.slot->blocks;
    by_age_.erase(it->second.sequence);
    whole_units_.erase(k);
    by_track_.erase(it);
  }
  return taken;
}

}  // namespace copysim::sc
