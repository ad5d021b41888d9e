// Finds sequential readers for prefetch (docs/PLATFORM.md, "Prefetch"):
// per device a few streams, each the track its reader would read next and
// how far ahead stages have been started. A read of a stream's next track
// is sequential; from the third track in order (one small IO may span two
// tracks without being a stream), once the tracks staged ahead of it fall
// to half the window, the next half window is staged in one command, so the reader
// finds its tracks in cache while the drives read on. Several streams per
// device keep a background copy sequential while hosts read or write
// elsewhere on the same volume.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

namespace copysim::sc {

class SequentialDetector {
 public:
  static constexpr std::size_t kStreamsPerDevice = 4;  // assumed: a few readers per volume
  static constexpr uint32_t kTracksInOrder = 3;        // before a stream is prefetched

  struct Prefetch {
    uint64_t first = 0;
    uint64_t count = 0;  // 0: nothing to stage ahead
  };

  // A read of `track` of a volume of `tracks` tracks; what to stage ahead
  // now, looking `window` tracks ahead.
  Prefetch access(uint16_t device, uint64_t track, uint64_t tracks, uint64_t window);

 private:
  struct Stream {
    uint64_t next = 0;       // the track a sequential reader reads next
    uint64_t ahead_end = 0;  // stages have been started up to here
    uint64_t used = 0;       // for replacing the least recently used
    uint32_t in_order = 0;   // tracks read in order so far
    bool live = false;
  };
  std::unordered_map<uint16_t, std::array<Stream, kStreamsPerDevice>> streams_;
  uint64_t clock_ = 0;
};

}  // namespace copysim::sc
