#include "firmware/local_copy/track_locks.h"

#include <stdexcept>
#include <vector>

namespace copysim::fw {

void TrackLocks::lock_shared(uint16_t device, uint64_t track, std::function<void()> granted) {
  request(key(device, track), false, std::move(granted));
}

void TrackLocks::lock_exclusive(uint16_t device, uint64_t track, std::function<void()> granted) {
  request(key(device, track), true, std::move(granted));
}

void TrackLocks::request(uint64_t k, bool exclusive, std::function<void()> granted) {
  locks_[k].waiters.push_back({exclusive, std::move(granted)});
  serve(k);
}

void TrackLocks::unlock_shared(uint16_t device, uint64_t track) {
  const uint64_t k = key(device, track);
  auto it = locks_.find(k);
  if (it == locks_.end() || it->second.shared == 0) {
    throw std::logic_error("unlock_shared of a track not held shared");
  }
  --it->second.shared;
  serve(k);
}

void TrackLocks::unlock_exclusive(uint16_t device, uint64_t track) {
  const uint64_t k = key(device, track);
  auto it = locks_.find(k);
  if (it == locks_.end() || !it->second.exclusive) {
    throw std::logic_error("unlock_exclusive of a track not held exclusive");
  }
  it->second.exclusive = false;
  serve(k);
}

void TrackLocks::serve(uint64_t k) {
  std::vector<std::function<void()>> grants;
  {
    Lock& lock = locks_.at(k);
    while (!lock.waiters.empty() && !lock.exclusive) {
      Waiter& w = lock.waiters.front();
      if (w.exclusive && lock.shared != 0) break;
      if (w.exclusive) {
        lock.exclusive = true;
      } else {
        ++lock.shared;
      }
      grants.push_back(std::move(w.granted));
      lock.waiters.pop_front();
      if (lock.exclusive) break;
    }
    if (lock.shared == 0 && !lock.exclusive && lock.waiters.empty()) locks_.erase(k);
  }
  // After the table is settled: a grant may lock or unlock this track again.
  for (auto& g : grants) g();
}

}  // namespace copysim::fw
