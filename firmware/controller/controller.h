// The firmware of one controller, put together: the dispatcher and its TCB
// pools, the command processor, and the copy services registered on it.
#pragma once

#include <cstdint>
#include <memory>

#include "firmware/bridge/bridge_service.h"
#include "firmware/clone/clone_service.h"
#include "firmware/command/command_block.h"
#include "firmware/local_copy/host_io_gate.h"
#include "firmware/local_copy/track_copier.h"
#include "firmware/local_copy/track_locks.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "firmware/remote_copy/transfer_service.h"
#include "firmware/runtime/dispatcher.h"

namespace copysim::fw {

struct ControllerConfig {
  uint32_t master_tcbs = 16;
  uint32_t data_mover_tcbs = 256;
  uint32_t tcb_bytes = 512;
  uint64_t dispatch_cycles = 200;
  uint32_t mirror_tcbs = 256;
  BlockTransferConfig transfer;
  BridgeConfig bridge;
  LocalPairConfig local_pairs;
  CloneConfig clones;
};

class Controller final : public CommandSink {
 public:
  Controller(Hardware& hardware, ControllerConfig config);

  std::vector<uint8_t> command(std::span<const uint8_t> block) override;
  CommandStatus command(const CommandBlock& block) { return commands_.execute(block); }

  Dispatcher& dispatcher() { return dispatcher_; }
  TcbPool& masters() { return masters_; }
  TcbPool& data_movers() { return movers_; }
  LinkSelector& links() { return links_; }
  TransferService& transfers() { return transfers_; }
  RemotePairService& pairs() { return pairs_; }
  BridgeService& bridges() { return bridges_; }
  LocalPairService& local_pairs() { return local_pairs_; }
  CloneService& clones() { return clones_; }
  // Host IO passes here: the hardware's interceptor and write observer
  // (ArrayHardware::intercept_host_io, observe_host_writes).
  HostIoGate& host_io() { return gate_; }
  TrackCopier& copier() { return copier_; }

 private:
  Dispatcher dispatcher_;
  TcbPool masters_;
  TcbPool movers_;
  LinkSelector links_;
  CommandProcessor commands_;
  TransferService transfers_;
  BridgeService bridges_;  // outlives the pairs, whose copies it may hold
  RemotePairService pairs_;
  TrackLocks locks_;
  TrackCopier copier_;
  HostIoGate gate_;
  LocalPairService local_pairs_;
  CloneService clones_;
};

}  // namespace copysim::fw
