// The elemental copy of seeds 003 and 004: one track from a source volume
// to a target volume of this array, cache to cache through the DRR unit,
// which rewrites every block's logical address for the target and updates
// its check code. The copy holds the source track and the target track
// alone (TrackLocks), so no host write lands on either while it runs; a
// request for the same track, from the same source to the same target,
// joins the copy in flight instead of starting another.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
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
  uint64_t copies() const { return copies_; }

 private:
  using Key = std::tuple<uint16_t, uint16_t, uint64_t>;  // from, to, track

  Hardware& hardware_;
  TrackLocks& locks_;
  std::map<Key, std::vector<Copied>> running_;
  uint64_t copies_ = 0;
};

}  // namespace copysim::fw
