// A clone session's entry: the OS-copy structure, its PB columns, the
// destination's IND bits, and what its copy program needs. Shared by the
// clone service's files.
#pragma once

#include <memory>

#include "firmware/clone/clone_service.h"
#include "firmware/remote_copy/track_bitmap.h"

namespace copysim::fw {

struct CloneService::Session {
  CloneSessionInfo info;
  TrackBitmap ind;                // the destination's IND bits
  bool whole_volume = true;       // no extents named
  bool activate_pending = false;  // ACTIVATE accepted, its quiet point not reached
  uint64_t generation = 0;
  std::unique_ptr<Event> wake;

  PbTable* pb = nullptr;  // the source's
  bool clone_pb(uint64_t t) const { return pb->test(t, info.clone_column); }
  bool precopy_pb(uint64_t t) const {
    return info.precopy_column >= 0 && pb->test(t, info.precopy_column);
  }
};

}  // namespace copysim::fw
