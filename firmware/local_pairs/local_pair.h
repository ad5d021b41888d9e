// A local pair's entry: its pair information and control information, and
// what its background copy needs. Shared by the pair service's files.
#pragma once

#include <memory>

#include "firmware/local_pairs/local_pair_service.h"

namespace copysim::fw {

struct LocalPairService::Pair {
  LocalPairInfo info;
  TrackBitmap inequality;  // control information 401: the track differs, or may
  // Since the split, tracks hosts wrote on each side: resync compares both.
  TrackBitmap primary_changes;
  TrackBitmap secondary_changes;
  bool split_pending = false;  // split accepted, its quiet point not yet reached
  uint64_t generation = 0;     // tells a deleted and re-created pair apart
  std::unique_ptr<Event> wake;

  uint64_t control_bytes() const { return 3 * inequality.bytes(); }
};

}  // namespace copysim::fw
