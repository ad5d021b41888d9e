// Who may touch a track's data at once. Host writes share a track: each
// holds it from just before its data lands until its copy services have
// recorded the change. A track copy holds it alone, so a copy never reads
// half of a write and no write lands between a copy's read and the bits
// that say the track was copied. Waiters are served in arrival order, so a
// stream of writes cannot starve a copy.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>

namespace copysim::fw {

class TrackLocks {
 public:
  // `granted` runs once the lock is held (at once if it is free).
  void lock_shared(uint16_t device, uint64_t track, std::function<void()> granted);
  void unlock_shared(uint16_t device, uint64_t track);
  void lock_exclusive(uint16_t device, uint64_t track, std::function<void()> granted);
  void unlock_exclusive(uint16_t device, uint64_t track);

  std::size_t held() const { return locks_.size(); }

 private:
  struct Waiter {
    bool exclusive;
    std::function<void()> granted;
  };
  struct Lock {
    uint32_t shared = 0;
    bool exclusive = false;
    std::deque<Waiter> waiters;
  };
  static uint64_t key(uint16_t device, uint64_t track) { return (uint64_t{device} << 48) | track; }
  void request(uint64_t k, bool exclusive, std::function<void()> granted);
  // Grants what the head of the queue allows, then runs the grants.
  void serve(uint64_t k);

  std::unordered_map<uint64_t, Lock> locks_;
};

}  // namespace copysim::fw
