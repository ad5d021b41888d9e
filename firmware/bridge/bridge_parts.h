// The inside of BridgeService, shared by its three source files: a bridge
// as each array records it, and a pair's turn on a bridge (a Job).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "firmware/bridge/bridge_service.h"

namespace copysim::fw {

struct BridgeService::Bridge {
  BridgeSide side = BridgeSide::primary;
  uint16_t data_bridge = 0;    // this array's data bridge volume
  uint16_t status_bridge = 0;  // this array's status bridge volume
  uint16_t peer_data_bridge = 0;
  uint16_t peer_status_bridge = 0;
  uint32_t data_link = 0;    // primary: the link its tracks take
  uint32_t status_link = 0;  // secondary: the link its status takes
  uint32_t blocks_per_track = 0;
  uint64_t tracks = 0;  // of the data bridge: slots of the ring
  BridgeState state = BridgeState::defined;
  uint32_t step = 600;
  std::string failure;
  // Which TCBs belong to the bridge's current establishment: a removed and
  // re-established bridge's old TCBs see a new generation and leave.
  uint64_t generation = 0;
  uint32_t tcbs = 0;               // TCBs of this bridge still running
  bool data_pair = false;          // secondary: its data bridge is a secondary (604)
  bool status_path = false;        // secondary: path back to the primary (606)
  bool status_pair = false;        // primary: its status bridge is a secondary (610)
  bool notified = false;           // primary: the status bridge is up (612)
  std::unique_ptr<Event> changed;  // any of the above, or a slot freed, or status arrived

  // Primary: the slots of the secondary data bridge (the ring) and the
  // status blocks that arrived and are not read yet.
  std::vector<Slot> slots;
  uint64_t next_slot = 0;
  uint64_t free_slots = 0;
  Job* job = nullptr;                 // the volume synchronizing on this bridge
  std::deque<uint64_t> status_inbox;  // blocks of the status bridge to read

  // Secondary: status records not sent yet, and where the next block goes.
  std::vector<StatusRecord> pending;
  uint64_t next_status_block = 0;
};

class BridgeService::Job final : public PairCopy {
 public:
  Job(BridgeService& owner, const PairCopyRequest& request,
      std::function<void(TransferOutcome)> done, Dispatcher& dispatcher)
      : owner_(owner), request_(request), done_(std::move(done)), progress_(dispatcher) {}
  ~Job() override { owner_.forget(this); }

  TransferOutcome outcome() const override { return outcome_; }
  bool finished() const override { return finished_; }
  void stop() override {
    stopping_ = true;
    if (!running_) {  // still in the queue: nothing of it is in flight
      owner_.forget(this);
      outcome_ = TransferOutcome::stopped;
      finished_ = true;
    }
    progress_.notify_all();
  }
  void wake() override { progress_.notify_all(); }
  const std::string& failure() const override { return failure_; }
  SendStatus failure_status() const override { return failure_status_; }
  uint64_t tracks_copied() const override { return copied_; }

  void fail(const SendResult& r) {
    if (failure_.empty()) {
      failure_status_ = r.status;
      failure_ = r.message.empty() ? std::string(to_string(r.status)) : r.message;
    }
  }
  void finish(TransferOutcome outcome) {
    outcome_ = outcome;
    finished_ = true;
    if (done_) done_(outcome);
  }

 private:
  friend class BridgeService;
  BridgeService& owner_;
  PairCopyRequest request_;
  std::function<void(TransferOutcome)> done_;
  Event progress_;  // a status came back, a track was freed, or stop()
  TransferOutcome outcome_ = TransferOutcome::running;
  bool running_ = false;  // taken off the queue by a bridge
  bool stopping_ = false;
  bool finished_ = false;
  uint64_t in_flight_ = 0;  // sent, status not back
  uint64_t copied_ = 0;
  std::string failure_;
  SendStatus failure_status_ = SendStatus::good;
};

}  // namespace copysim::fw
