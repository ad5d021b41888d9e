#include "firmware/local_copy/track_copier.h"

namespace copysim::fw {

void TrackCopier::copy(uint16_t from, uint16_t to, uint64_t track, Copied copied) {
  const Key k{from, to, track};
  if (auto it = running_.find(k); it != running_.end()) {
    it->second.push_back(std::move(copied));
    return;
  }
  running_[k].push_back(std::move(copied));
  // Source, then target: a host write locks tracks of one volume only, so
  // this order cannot deadlock with it.
  locks_.lock_exclusive(from, track, [this, from, to, track, k] {
    locks_.lock_exclusive(to, track, [this, from, to, track, k] {
      hardware_.copy_track(from, track, to, track, [this, from, to, track, k](std::string error) {
        if (error.empty()) ++copies_;
        std::vector<Copied> waiting = std::move(running_.at(k));
        running_.erase(k);
        for (auto& c : waiting) c(error);
        locks_.unlock_exclusive(to, track);
        locks_.unlock_exclusive(from, track);
      });
    });
  });
}

}  // namespace copysim::fw
