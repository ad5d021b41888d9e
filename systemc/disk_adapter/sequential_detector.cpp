#include "systemc/disk_adapter/sequential_detector.h"

#include <algorithm>

namespace copysim::sc {

SequentialDetector::Prefetch SequentialDetector::access(uint16_t device, uint64_t track,
                                                        uint64_t tracks, uint64_t window) {
  auto& streams = streams_[device];
  ++clock_;
  Stream* s = nullptr;
  for (Stream& c : streams) {
    // The next track, or a track the stream has already staged ahead (a
    // reader that skipped one it found in cache).
    if (c.live && track >= c.next && track < std::max(c.next + 1, c.ahead_end)) s = &c;
  }
  if (s == nullptr) {
    Stream* lru =
        &*std::min_element(streams.begin(), streams.end(),
                           [](const Stream& a, const Stream& b) { return a.used < b.used; });
    *lru = {track + 1, track + 1, clock_, 1, true};
    return {};
  }
  s->next = track + 1;
  s->used = clock_;
  ++s->in_order;
  s->ahead_end = std::max(s->ahead_end, s->next);
  if (window == 0 || s->in_order < kTracksInOrder || s->ahead_end >= tracks ||
      s->ahead_end - s->next > window / 2)
    return {};
  const uint64_t end = std::min(tracks, s->next + window);
  const Prefetch p{s->ahead_end, end - s->ahead_end};
  s->ahead_end = end;
  return p;
}

}  // namespace copysim::sc
