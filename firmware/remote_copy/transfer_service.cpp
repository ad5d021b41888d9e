#include "firmware/remote_copy/transfer_service.h"

namespace copysim::fw {
std::string_view to_string(TransferState state) {
  switch (state) {
    case TransferState::idle:
      return "idle";
    case TransferState::transferring:
      return "transferring";
    case TransferState::transferred:
      return "transferred";
    case TransferState::failed:
      return "failed";
  }
  return "unknown";
}

TransferService::TransferService(Dispatcher& dispatcher, TcbPool& masters, TcbPool& movers,
                                 LinkSelector& links, BlockTransferConfig config,
                                 CommandProcessor& commands)
    : dispatcher_(dispatcher), masters_(masters), movers_(movers), links_(links), config_(config) {
  commands.add(kTransferBlock, "TRANSFER_BLOCK",
               [this](const CommandBlock& b) { return transfer_block(b); });
  commands.add(kQueryTransfer, "QUERY_TRANSFER",
               [this](const CommandBlock& b) { return query(b); });
}

TransferState TransferService::state(uint16_t primary) const {
  auto it = transfers_.find(primary);
  if (it == transfers_.end()) return TransferState::idle;
  // Failed but with TCBs still winding down is still transferring.
  if (!it->second->finished()) return TransferState::transferring;
  switch (it->second->outcome()) {
    case TransferOutcome::running:
      return TransferState::transferring;
    case TransferOutcome::complete:
      return TransferState::transferred;
    case TransferOutcome::failed:
    case TransferOutcome::stopped:
      return TransferState::failed;
  }
  return TransferState::idle;
}

const BlockTransfer* TransferService::transfer(uint16_t primary) const {
  auto it = transfers_.find(primary);
  return it == transfers_.end() ? nullptr : it->second.get();
}

CommandStatus TransferService::transfer_block(const CommandBlock& b) {
  Hardware& hw = dispatcher_.hardware();
  const uint64_t volume_tracks = hw.tracks(b.primary_volume);
  if (volume_tracks == 0) {
    return {CommandResult::bad_parameter,
            "TRANSFER_BLOCK refused: no volume " + device_name(b.primary_volume)};
  }
  if (hw.links() == 0) {
    return {CommandResult::no_resources, "TRANSFER_BLOCK refused: no link to a secondary"};
  }
  const TransferState now = state(b.primary_volume);
  if (now == TransferState::transferring) {
    return {CommandResult::invalid_state, "TRANSFER_BLOCK refused: volume " +
                                              device_name(b.primary_volume) + " is " +
                                              std::string(to_string(now))};
  }
  const uint64_t first = b.parameters[0];
  const uint64_t tracks =
      b.parameters[1] == 0 && first < volume_tracks ? volume_tracks - first : b.parameters[1];
  if (first >= volume_tracks || tracks > volume_tracks - first) {
    return {CommandResult::bad_parameter,
            "TRANSFER_BLOCK refused: tracks " + std::to_string(first) + ".." +
                std::to_string(first + tracks) + " outside volume " +
                device_name(b.primary_volume) + " of " + std::to_string(volume_tracks) + " tracks"};
  }
  auto transfer = std::make_unique<BlockTransfer>(dispatcher_, masters_, movers_, links_, config_);
  if (!transfer->start({b.primary_volume, b.secondary_volume, first, tracks})) {
    return {CommandResult::no_resources,
            "TRANSFER_BLOCK refused: no master TCB free in pool " + masters_.name()};
  }
  transfers_[b.primary_volume] = std::move(transfer);
  return {CommandResult::ok, "transferring " + std::to_string(tracks) + " tracks of volume " +
                                 device_name(b.primary_volume) + " to " +
                                 device_name(b.secondary_volume)};
}

CommandStatus TransferService::query(const CommandBlock& b) const {
  const BlockTransfer* t = transfer(b.primary_volume);
  std::string message = "volume " + device_name(b.primary_volume) + " " +
                        std::string(to_string(state(b.primary_volume)));
  if (t != nullptr) {
    message += ": " + std::to_string(t->stats().tracks_done) + " of " +
               std::to_string(t->request().tracks) + " tracks" +
               (t->mode() == TransferMode::serial ? " (serial)" : " (piped)");
    if (!t->failure().empty()) message += "; " + t->failure();
  }
  return {CommandResult::ok, message};
}

}  // namespace copysim::fw
