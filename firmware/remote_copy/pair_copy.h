// A pair's synchronization (initial copy or resync) as the pair service
// sees it: either a seed 000 block transfer of the pair's own (its own path
// and chain), or a turn on a bridge through the volume synchronization
// queue (seed 002, firmware/bridge/).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include "firmware/hal/hardware.h"
#include "firmware/remote_copy/track_bitmap.h"

namespace copysim::fw {

enum class TransferOutcome { running, complete, failed, stopped };

class PairCopy {
 public:
  virtual ~PairCopy() = default;
  virtual TransferOutcome outcome() const = 0;
  // No TCB, send or status of this copy is outstanding any more.
  virtual bool finished() const = 0;
  // Hands out no more tracks; those in flight finish. Outcome `stopped`.
  virtual void stop() = 0;
  // Someone else freed a busy track or marked one: look again.
  virtual void wake() = 0;
  virtual const std::string& failure() const = 0;
  virtual SendStatus failure_status() const = 0;
  virtual uint64_t tracks_copied() const = 0;
};

// What a pair hands its synchronization: the tracks to send are the
// bitmap's set bits (cleared as they go, set again when a send fails);
// `busy` holds the tracks anyone is sending now. Both outlive the copy.
struct PairCopyRequest {
  uint16_t primary = 0;
  uint16_t secondary = 0;
  TrackBitmap* changed = nullptr;
  std::unordered_set<uint64_t>* busy = nullptr;
};

// The volume synchronization queue of seed 002, as the pair service sees it.
class PairSyncQueue {
 public:
  virtual ~PairSyncQueue() = default;
  // An established bridge can carry this pair's tracks.
  virtual bool carries(uint16_t primary) const = 0;
  // Bridge volumes serve every pair and are never in one.
  virtual bool is_bridge_volume(uint16_t device) const = 0;
  // Queues the pair; its copy starts when a bridge takes it.
  virtual std::unique_ptr<PairCopy> enqueue(const PairCopyRequest& request,
                                            std::function<void(TransferOutcome)> done) = 0;
};

}  // namespace copysim::fw
