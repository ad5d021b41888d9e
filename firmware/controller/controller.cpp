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
  // A volume serves one local copy service at a time, and a volume local
  // copies write is no remote pair's or bridge's.
  auto elsewhere = [this](uint16_t device, bool as_target, bool for_clone) -> std::string {
    if (for_clone && local_pairs_.in_pair(device)) return "in a local pair";
    if (!for_clone) {
      if (auto id = clones_.session_of(device)) return "in clone session " + std::to_string(*id);
    }
    if (as_target && pairs_.in_pair(device)) return "in a remote pair";
    if (bridges_.is_bridge_volume(device)) return "a bridge volume";
    return {};
  };
  local_pairs_.in_other_service = [elsewhere](uint16_t d, bool t) {
    return elsewhere(d, t, false);
  };
  clones_.in_other_service = [elsewhere](uint16_t d, bool t) { return elsewhere(d, t, true); };
  pairs_.use_sync_queue(&bridges_);
  bridges_.in_pair = [this](uint16_t device) { return pairs_.in_pair(device); };
}

std::vector<uint8_t> Controller::command(std::span<const uint8_t> block) {
  return commands_.execute(block);
}

}  // namespace copysim::fw
