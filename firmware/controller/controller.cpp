#include "firmware/controller/controller.h"

#include <algorithm>

namespace copysim::fw {

Controller::Controller(Hardware& hardware, ControllerConfig config)
    : dispatcher_(hardware, config.dispatch_cycles),
      masters_(dispatcher_, "masters", config.master_tcbs, config.tcb_bytes),
      movers_(dispatcher_, "data movers", config.data_mover_tcbs, config.tcb_bytes),
      links_(std::max<uint32_t>(1, hardware.links())),
      transfers_(dispatcher_, masters_, movers_, links_, config.transfer, commands_),
      bridges_(dispatcher_, commands_, config.bridge),
      pairs_(dispatcher_, masters_, movers_, links_, config.transfer, commands_,
             config.mirror_tcbs),
      copier_(hardware, locks_),
      gate_(hardware, locks_),
      local_pairs_(dispatcher_, commands_, gate_, copier_, config.local_pairs),
      clones_(dispatcher_, commands_, gate_, copier_, config.clones) {
  gate_.add(local_pairs_);
  gate_.add(clones_);
  gate_.forward_writes_to(&pairs_);
  pairs_.use_sync_queue(&bridges_);
  bridges_.in_pair = [this](uint16_t device) { return pairs_.in_pair(device); };
}

std::vector<uint8_t> Controller::command(std::span<const uint8_t> block) {
  return commands_.execute(block);
}

}  // namespace copysim::fw
