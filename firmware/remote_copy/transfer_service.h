// The commands that start and query block transfers (seed 000), one
// transfer at a time per primary volume. A command that does not apply in
// the volume's state is refused with a status naming the state, and
// nothing changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string_view>

#include "firmware/command/command_block.h"
#include "firmware/remote_copy/block_transfer.h"

namespace copysim::fw {

// TRANSFER_BLOCK: primary_volume to secondary_volume, parameters[0] = first
// track, parameters[1] = tracks (0: to the end of the volume).
inline constexpr uint16_t kTransferBlock = 0x0101;
// QUERY_TRANSFER: primary_volume; the status message has state and progress.
inline constexpr uint16_t kQueryTransfer = 0x0102;

enum class TransferState { idle, transferring, transferred, failed };
std::string_view to_string(TransferState state);

class TransferService {
 public:
  TransferService(Dispatcher& dispatcher, TcbPool& masters, TcbPool& movers, LinkSelector& links,
                  BlockTransferConfig config, CommandProcessor& commands);

  TransferState state(uint16_t primary_volume) const;
  const BlockTransfer* transfer(uint16_t primary_volume) const;

 private:
  CommandStatus transfer_block(const CommandBlock& block);
  CommandStatus query(const CommandBlock& block) const;

  Dispatcher& dispatcher_;
  TcbPool& masters_;
  TcbPool& movers_;
  LinkSelector& links_;
  BlockTransferConfig config_;
  std::map<uint16_t, std::unique_ptr<BlockTransfer>> transfers_;
};

}  // namespace copysim::fw
