// Bridge volumes (seed 002): one pair of data-bridge volumes carries the
// synchronization traffic of every remote pair, and a pair of status-bridge
// volumes carries the status back, asynchronously.
//
// Primary array:
// - volumes needing synchronization (initial copy, resync) wait in the
//   volume synchronization queue; each established bridge takes one at a
//   time, so at most as many volumes synchronize at once as there are
//   bridges;
// - a round snaps the volume's marked tracks onto the primary data bridge
//   as pointers (the internal snapshot: the host keeps writing), then sends
//   each through a slot of the secondary data bridge with a header naming
//   its final volume and track; rounds repeat until nothing is marked, and
//   the pair is then full duplex;
// - the status of each track comes back on the status bridge, not with the
//   write: a slot is reused only once its status is back.
// Secondary array:
// - a track landing on its data bridge is moved (through the DRR unit) to
//   the volume its header names; the move's status is written, 20 records a
//   block, to the primary status bridge volume and sent to the primary.
//
// Setup follows seed 002 Fig. 6 with real command blocks between the two
// arrays' firmware: define (600), establish pair (602), update secondary
// device status (604), path in the opposite direction (606), status-bridge
// pair (608), update secondary device status (610), notification (612),
// host notified (614).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "firmware/bridge/status_record.h"
#include "firmware/command/command_block.h"
#include "firmware/remote_copy/pair_copy.h"
#include "firmware/runtime/dispatcher.h"

namespace copysim::fw {

// Host commands.
// primary_volume: data bridge, secondary_volume: status bridge, both on this
// array; parameters[0]: 0 = the primary side, 1 = the secondary side.
inline constexpr uint16_t kDefineBridge = 0x0221;
// On the primary side. primary_volume: its data bridge; secondary_volume:
// the secondary's data bridge; parameters: [0] data link (this array's),
// [1] status link (the secondary's), [2] the secondary's status bridge.
inline constexpr uint16_t kEstablishBridge = 0x0222;
// established or failed -> defined (the secondary told too); defined -> not
// defined (the volumes are no longer reserved).
inline constexpr uint16_t kRemoveBridge = 0x0223;
inline constexpr uint16_t kQueryBridge = 0x0224;
// Between the arrays' firmware during setup (Fig. 6).
inline constexpr uint16_t kUpdateSecondaryDeviceStatus = 0x0231;
inline constexpr uint16_t kEstablishStatusPath = 0x0232;
inline constexpr uint16_t kEstablishStatusBridge = 0x0233;
inline constexpr uint16_t kBridgeNotify = 0x0234;

enum class BridgeSide { primary, secondary };
enum class BridgeState { defined, establishing, established, failed };
std::string_view to_string(BridgeSide side);
std::string_view to_string(BridgeState state);

struct BridgeConfig {
  uint32_t tcbs = 32;    // bridge TCBs: setup, sync worker, status reader/sender
  uint32_t movers = 32;  // secondary: TCBs moving tracks off the data bridge
  uint64_t command_cycles = 2000;
  uint64_t snapshot_cycles_per_track = 50;  // one pointer into the snapshot map
  uint64_t send_cycles_per_track = 2000;
  uint64_t move_cycles_per_track = 2000;
  uint64_t status_cycles_per_record = 200;
  uint64_t setup_timeout_ps = 100'000'000'000;  // 100 ms for the notification (612)
  uint64_t status_retry_ps = 10'000'000'000;    // a failed status send is tried again
};

struct BridgeStats {
  uint64_t volumes_synchronized = 0;
  uint64_t rounds = 0;  // snapshots taken
  uint64_t tracks_sent = 0;
  uint64_t tracks_moved = 0;  // secondary side
  uint64_t status_blocks = 0;
  uint64_t status_records = 0;
  uint64_t stale_records = 0;             // for a slot already given up
  uint64_t sent_before_first_status = 0;  // tracks sent when the first status came
  uint32_t syncing_peak = 0;              // volumes synchronizing at once
};

class BridgeService final : public PairSyncQueue, public RemoteWriteObserver {
 public:
  BridgeService(Dispatcher& dispatcher, CommandProcessor& commands, BridgeConfig config);
  ~BridgeService() override;

  // Whether a volume is in a remote pair (bridge volumes must not be).
  std::function<bool(uint16_t)> in_pair;

  // PairSyncQueue
  bool carries(uint16_t primary) const override;
  std::unique_ptr<PairCopy> enqueue(const PairCopyRequest& request,
                                    std::function<void(TransferOutcome)> done) override;
  // RemoteWriteObserver
  void remote_write_arrived(const RemoteArrival& arrival) override;

  // A bridge volume (data or status): host writes refused, no pairs.
  bool is_bridge_volume(uint16_t device) const override;
  // The bridge whose data bridge volume on this array is `data_bridge`.
  BridgeState state(uint16_t data_bridge) const;
  uint32_t step(uint16_t data_bridge) const;  // Fig. 6 step reached
  std::size_t queued() const { return queue_.size(); }
  uint32_t syncing() const { return syncing_; }
  const BridgeStats& stats() const { return stats_; }

 private:
  struct Bridge;
  class Job;
  // A slot of the secondary data bridge: free while its sequence is 0; a
  // slot whose send failed keeps its sequence, with no job, until its
  // status comes back.
  struct Slot {
    Job* job = nullptr;
    uint64_t track = 0;
    uint32_t sequence = 0;
  };

  Bridge* find(uint16_t data_bridge) const;
  Bridge* find_by_status(uint16_t status_bridge) const;
  std::string name(const Bridge& b) const;
  void set_step(Bridge& b, uint32_t step);
  void fail_setup(Bridge& b, const std::string& why);
  bool start(Task body);
  hardware_call<std::vector<uint8_t>> to_peer(const CommandBlock& block);

  // bridge_commands.cpp: host commands and the Fig. 6 setup
  CommandStatus define(const CommandBlock& b);
  CommandStatus establish(const CommandBlock& b);
  CommandStatus remove(const CommandBlock& b);
  CommandStatus query(const CommandBlock& b) const;
  CommandStatus update_secondary_device_status(const CommandBlock& b);
  CommandStatus establish_status_path(const CommandBlock& b);
  CommandStatus establish_status_bridge(const CommandBlock& b);
  CommandStatus notify(const CommandBlock& b);
  Task set_up(uint16_t data_bridge);                                     // primary: 602-614
  Task answer_status_bridge(uint16_t data_bridge, uint64_t generation);  // secondary: 610, 612
  Task tell_peer_removed(CommandBlock block);
  void go_established(Bridge& b);

  // bridge_sync.cpp: the primary side
  Task serve(uint16_t data_bridge, uint64_t generation);  // sync worker
  Task read_status(uint16_t data_bridge, uint64_t generation);
  void send_slot(Bridge& b, Job& job, uint64_t track);
  void apply(Bridge& b, const StatusRecord& record);
  void free_slot(Bridge& b, uint32_t slot);
  void forget(Job* job);

  // bridge_redirect.cpp: the secondary side
  Task move_tracks();
  Task send_status(uint16_t data_bridge, uint64_t generation);

  Dispatcher& dispatcher_;
  BridgeConfig config_;
  TcbPool tcbs_;
  TcbPool movers_;
  std::map<uint16_t, std::unique_ptr<Bridge>> bridges_;  // by data bridge volume
  std::deque<Job*> queue_;                               // the volume synchronization queue
  std::unique_ptr<Event> queued_;                        // a volume joined the queue
  uint32_t syncing_ = 0;
  uint32_t sequence_ = 0;
  std::deque<RemoteArrival> arrivals_;             // secondary: tracks to move
  std::unordered_map<uint64_t, uint32_t> moving_;  // secondary: final tracks being moved
  std::unique_ptr<Event> moved_;                   // one of them is done
  BridgeStats stats_;
};

}  // namespace copysim::fw
