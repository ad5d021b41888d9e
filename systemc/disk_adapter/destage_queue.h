// Write-pending tracks waiting for destage, and the policy that says which
// go next (docs/PLATFORM.md, "Destage policy"). A track waits until it has
// been write pending `age` (writes to it meanwhile coalesce, and a
// sequential writer fills its neighbours), until write-pending data passes
// the high-water mark, or until it and the queued tracks next to it make a
// whole destage unit of `gather_blocks` (nothing more to wait for). The
// track taken goes with its queued neighbours on the same volume, so that a
// run of sequential dirty tracks reaches its parity group as one write of
// whole stripes.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "systemc/cache/cache.h"
#include "systemc/storage/volume.h"

namespace copysim::sc {

class DestageQueue {
 public:
  struct Policy {
    uint64_t age_ps = 0;
    uint32_t gather_blocks = 1;
  };
  struct Entry {
    Slot* slot;
    const Volume* volume;
    uint64_t queued_ps;
  };

  explicit DestageQueue(Policy policy) : policy_(policy) {}

  void push(Slot& slot, const Volume& volume, uint64_t now_ps);
  // The oldest track that is due (all of them are when `pressed`), with its
  // queued neighbours in track order, taken off the queue. Empty when none
  // is due; `next_due_ps` then says when the oldest will be (0: queue empty).
  std::vector<Entry> take(uint64_t now_ps, bool pressed, uint64_t& next_due_ps);
  std::size_t size() const { return by_track_.size(); }
  bool empty() const { return by_track_.empty(); }

 private:
  using Key = std::pair<uint16_t, uint64_t>;  // device, track
  struct Queued {
    Entry entry;
    uint64_t sequence;
  };
  // The queued run of consecutive tracks around `key`, as its first key and
  // its blocks, looking no further than one destage unit either way.
  std::pair<Key, uint64_t> run_around(const Key& key) const;
  std::vector<Entry> gather(const Key& start);

  Policy policy_;
  std::map<Key, Queued> by_track_;
  std::map<uint64_t, Key> by_age_;  // sequence -> track; pushes come in time order
  std::set<Key> whole_units_;       // first tracks of runs that fill a destage unit
  uint64_t next_sequence_ = 0;
};

}  // namespace copysim::sc
