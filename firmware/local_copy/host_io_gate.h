// Where host IO meets the local copy services (seed 004 Fig. 9, seed 003
// Fig. 6). Before a host IO's data moves, each service does what must come
// first (copy-before-write, fetching a clone destination's track); a write
// then holds its tracks shared (TrackLocks) until it is in cache and each
// service has recorded it. Remote pairs see the write after that.
//
// A point in time (a pair's split, a clone's ACTIVATE) is taken at a quiet
// point: new IO to the volumes waits, the writes already past the gate
// land and are recorded under the old rules, the switch happens, and the
// held IO goes on under the new rules. So every write is wholly before or
// wholly after the point in time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "firmware/hal/hardware.h"
#include "firmware/local_copy/track_locks.h"

namespace copysim::fw {

struct TrackRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

// What a local copy service does around host IO to its volumes.
class LocalCopyParticipant {
 public:
  virtual ~LocalCopyParticipant() = default;
  // Before the IO's data moves: copy what must be copied first, then
  // `done("")`; done(reason) when a copy the IO depends on failed.
  virtual void before_io(uint16_t device, TrackRange tracks, bool write,
                         std::function<void(std::string)> done) = 0;
  // A host write is in cache and its tracks are still held: record it.
  virtual void after_write(uint16_t device, TrackRange tracks) = 0;
};

class HostIoGate final : public HostIoInterceptor, public HostWriteObserver {
 public:
  HostIoGate(Hardware& hardware, TrackLocks& locks) : hardware_(hardware), locks_(locks) {}

  void add(LocalCopyParticipant& participant) { participants_.push_back(&participant); }
  // Writes go on to `next` (remote pairs) once recorded here.
  void forward_writes_to(HostWriteObserver* next) { next_ = next; }

  void host_io_starting(uint16_t device, uint64_t first_block, uint32_t blocks, bool write,
                        std::function<void(std::string)> proceed) override;
  void host_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                  std::function<void()> done) override;

  // Holds new host IO to `devices`, waits until the writes already past the
  // gate have been recorded, calls `switch_now`, and lets the held IO go.
  void at_quiet_point(std::vector<uint16_t> devices, std::function<void()> switch_now);

  uint64_t held_ios() const { return held_ios_; }

 private:
  struct Io {
    uint16_t device;
    uint64_t first_block;
    uint32_t blocks;
    bool write;
    std::function<void(std::string)> proceed;
  };
  struct Quiet {
    std::vector<uint16_t> devices;
    std::function<void()> switch_now;
  };
  TrackRange tracks_of(uint16_t device, uint64_t first_block, uint32_t blocks) const;
  void run_participants(std::size_t i, uint16_t device, TrackRange tracks, bool write,
                        std::function<void(std::string)> done);
  void write_done(uint16_t device);
  void lock_tracks(uint16_t device, uint64_t track, uint64_t last, std::function<void()> done);
  void check_quiet();
  void release(uint16_t device);

  Hardware& hardware_;
  TrackLocks& locks_;
  std::vector<LocalCopyParticipant*> participants_;
  HostWriteObserver* next_ = nullptr;
  std::map<uint16_t, uint32_t> in_flight_;  // writes past the gate, not yet recorded
  std::map<uint16_t, uint32_t> holds_;      // quiet points waiting on the device
  std::map<uint16_t, std::deque<Io>> held_;
  std::vector<Quiet> quiet_;
  uint64_t held_ios_ = 0;
};

}  // namespace copysim::fw
