// The elemental copy of seeds 003 and 004: one track from a source volume
// to a target volume of this array, cache to cache through the DRR unit,
// which rewrites every block's logical address for the target and updates
// its check code. The copy holds the source track alone (TrackLocks); a
// request for a track already being copied to the same target joins that
// copy instead of starting another.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "firmware/hal/hardware.h"
#include "firmware/local_copy/track_locks.h"

namespace copysim::fw {

class TrackCopier {
 public:
  // `copied(error)`: error is empty when the track was copied. Every
  // requester's `copied` runs while the source track is still held, so the
  // bits that say "copied" change before any host write to it lands.
  using Copied = std::function<void(const std::string& error)>;

  TrackCopier(Hardware& hardware, TrackLocks& locks) : hardware_(hardware), locks_(locks) {}

  void copy(uint16_t from, uint16_t to, uint64_t track, Copied copied);
  bool copying(uint16_t to, uint64_t track) const { return running_.count(key(to, track)) != 0; }
  uint64_t copies() const { return copies_; }

 private:
  static uint64_t key(uint16_t device, uint64_t track) { return (uint64_t{device} << 48) | track; }

  Hardware& hardware_;
  TrackLocks& locks_;
  std::unordered_map<uint64_t, std::vector<Copied>> running_;  // by target track
  uint64_t copies_ = 0;
};

}  // namespace copysim::fw
