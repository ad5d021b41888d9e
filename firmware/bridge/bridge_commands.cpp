// Bridge commands, and the setup of seed 002 Fig. 6 between the two arrays.
#include <algorithm>

#include "firmware/bridge/bridge_parts.h"

namespace copysim::fw {
namespace {

// Why the other array's firmware did not carry out a command; empty if it did.
std::string refusal(const std::vector<uint8_t>& reply) {
  if (reply.empty()) return "no link to the other array";
  CommandStatus s = decode_status(reply);
  return s.ok() ? std::string{} : std::move(s.message);
}

}  // namespace

std::string_view to_string(BridgeSide side) {
  return side == BridgeSide::primary ? "primary side" : "secondary side";
}

std::string_view to_string(BridgeState state) {
  switch (state) {
    case BridgeState::defined:
      return "defined";
    case BridgeState::establishing:
      return "establishing";
    case BridgeState::established:
      return "established";
    case BridgeState::failed:
      return "failed";
  }
  return "unknown";
}

BridgeService::BridgeService(Dispatcher& dispatcher, CommandProcessor& commands,
                             BridgeConfig config)
    : dispatcher_(dispatcher),
      config_(config),
      tcbs_(dispatcher, "bridge", config.tcbs),
      movers_(dispatcher, "bridge movers", config.movers),
      queued_(std::make_unique<Event>(dispatcher)),
      moved_(std::make_unique<Event>(dispatcher)) {
  commands.add(kDefineBridge, "DEFINE_BRIDGE", [this](const auto& b) { return define(b); });
  commands.add(kEstablishBridge, "ESTABLISH_BRIDGE",
               [this](const auto& b) { return establish(b); });
  commands.add(kRemoveBridge, "REMOVE_BRIDGE", [this](const auto& b) { return remove(b); });
  commands.add(kQueryBridge, "QUERY_BRIDGE", [this](const auto& b) { return query(b); });
  commands.add(kUpdateSecondaryDeviceStatus, "UPDATE_SECONDARY_DEVICE_STATUS",
               [this](const auto& b) { return update_secondary_device_status(b); });
  commands.add(kEstablishStatusPath, "ESTABLISH_STATUS_PATH",
               [this](const auto& b) { return establish_status_path(b); });
  commands.add(kEstablishStatusBridge, "ESTABLISH_STATUS_BRIDGE",
               [this](const auto& b) { return establish_status_bridge(b); });
  commands.add(kBridgeNotify, "BRIDGE_NOTIFY", [this](const auto& b) { return notify(b); });
}

BridgeService::~BridgeService() {
  for (auto& [id, b] : bridges_) {
    if (!b->slots.empty()) {
      dispatcher_.hardware().release_control_store("bridge slots", b->slots.size() * sizeof(Slot));
    }
  }
}

BridgeService::Bridge* BridgeService::find(uint16_t data_bridge) const {
  auto it = bridges_.find(data_bridge);
  return it == bridges_.end() ? nullptr : it->second.get();
}

BridgeService::Bridge* BridgeService::find_by_status(uint16_t status_bridge) const {
  for (const auto& [id, b] : bridges_) {
    if (b->status_bridge == status_bridge) return b.get();
  }
  return nullptr;
}

bool BridgeService::is_bridge_volume(uint16_t device) const {
  return find(device) != nullptr || find_by_status(device) != nullptr;
}

BridgeState BridgeService::state(uint16_t data_bridge) const {
  const Bridge* b = find(data_bridge);
  return b == nullptr ? BridgeState::defined : b->state;
}

uint32_t BridgeService::step(uint16_t data_bridge) const {
  const Bridge* b = find(data_bridge);
  return b == nullptr ? 0 : b->step;
}

std::string BridgeService::name(const Bridge& b) const {
  return "bridge " + device_name(b.data_bridge);
}

void BridgeService::set_step(Bridge& b, uint32_t step) {
  b.step = step;
  dispatcher_.hardware().log(LogLevel::info, name(b) + " step " + std::to_string(step));
}

void BridgeService::fail_setup(Bridge& b, const std::string& why) {
  b.state = BridgeState::failed;
  b.failure = "step " + std::to_string(b.step) + ": " + why;
  dispatcher_.hardware().log(LogLevel::error, name(b) + " failed at " + b.failure);
}

bool BridgeService::start(Task body) {
  Tcb* tcb = tcbs_.allocate();
  if (tcb == nullptr) return false;
  dispatcher_.start(*tcb, std::move(body));
  return true;
}

hardware_call<std::vector<uint8_t>> BridgeService::to_peer(const CommandBlock& block) {
  return {dispatcher_, [this, bytes = encode(block)](auto done) mutable {
            dispatcher_.hardware().peer_command(std::move(bytes), std::move(done));
          }};
}

// Step 600.
CommandStatus BridgeService::define(const CommandBlock& c) {
  Hardware& hw = dispatcher_.hardware();
  const uint16_t data = c.primary_volume;
  const uint16_t status = c.secondary_volume;
  if (c.parameters[0] > 1) {
    return {CommandResult::bad_parameter, "DEFINE_BRIDGE refused: side " +
                                              std::to_string(c.parameters[0]) +
                                              " is neither 0 (primary) nor 1 (secondary)"};
  }
  for (uint16_t d : {data, status}) {
    if (hw.tracks(d) == 0) {
      return {CommandResult::bad_parameter, "DEFINE_BRIDGE refused: no volume " + device_name(d)};
    }
    if (is_bridge_volume(d)) {
      return {CommandResult::invalid_state,
              "DEFINE_BRIDGE refused: volume " + device_name(d) + " is a bridge volume already"};
    }
    if (in_pair && in_pair(d)) {
      return {CommandResult::invalid_state,
              "DEFINE_BRIDGE refused: volume " + device_name(d) + " is in a remote pair"};
    }
  }
  if (data == status) {
    return {CommandResult::bad_parameter,
            "DEFINE_BRIDGE refused: the data and status bridges "
            "must be two volumes, both are " +
                device_name(data)};
  }
  auto b = std::make_unique<Bridge>();
  b->side = c.parameters[0] == 0 ? BridgeSide::primary : BridgeSide::secondary;
  b->data_bridge = data;
  b->status_bridge = status;
  b->blocks_per_track = hw.blocks_per_track(data);
  b->tracks = hw.tracks(data);
  b->changed = std::make_unique<Event>(dispatcher_);
  if (b->side == BridgeSide::primary) {
    if (!hw.allocate_control_store("bridge slots", b->tracks * sizeof(Slot))) {
      return {CommandResult::no_resources, "DEFINE_BRIDGE refused: no control store for " +
                                               std::to_string(b->tracks) + " bridge slots"};
    }
    b->slots.resize(b->tracks);
    b->free_slots = b->tracks;
  }
  hw.set_reserved(data, true, "it is a data bridge volume");
  hw.set_reserved(status, true, "it is a status bridge volume");
  const std::string side(to_string(b->side));
  bridges_[data] = std::move(b);
  return {CommandResult::ok, "bridge " + device_name(data) + " defined, " + side +
                                 ", status bridge " + device_name(status)};
}

// Steps 602 to 614 run in a bridge TCB; the command returns at once, and
// QUERY_BRIDGE tells the host when the bridge is established (614).
CommandStatus BridgeService::establish(const CommandBlock& c) {
  Bridge* b = find(c.primary_volume);
  if (b == nullptr || b->side != BridgeSide::primary) {
    return {CommandResult::invalid_state,
            "ESTABLISH_BRIDGE refused: volume " + device_name(c.primary_volume) +
                (b == nullptr ? " is not a defined bridge" : " is a secondary-side bridge")};
  }
  if (b->state != BridgeState::defined) {
    return {CommandResult::invalid_state,
            "ESTABLISH_BRIDGE refused: " + name(*b) + " is " + std::string(to_string(b->state))};
  }
  if (c.parameters[0] >= dispatcher_.hardware().links()) {
    return {CommandResult::bad_parameter,
            "ESTABLISH_BRIDGE refused: data link " + std::to_string(c.parameters[0]) +
                " does not exist (" + std::to_string(dispatcher_.hardware().links()) + " links)"};
  }
  if (c.parameters[1] > 0xffff || c.parameters[2] > 0xffff) {
    return {CommandResult::bad_parameter,
            "ESTABLISH_BRIDGE refused: status link and status bridge must fit 16 bits"};
  }
  b->peer_data_bridge = c.secondary_volume;
  b->data_link = static_cast<uint32_t>(c.parameters[0]);
  b->status_link = static_cast<uint32_t>(c.parameters[1]);
  b->peer_status_bridge = static_cast<uint16_t>(c.parameters[2]);
  b->failure.clear();
  b->status_pair = false;
  b->notified = false;
  ++b->generation;
  if (!start(set_up(b->data_bridge))) {
    return {CommandResult::no_resources, "ESTABLISH_BRIDGE refused: no bridge TCB free"};
  }
  b->state = BridgeState::establishing;
  set_step(*b, 602);
  return {CommandResult::ok, name(*b) + " establishing with " + device_name(c.secondary_volume)};
}

Task BridgeService::set_up(uint16_t id) {
  Bridge* b = find(id);
  ++b->tcbs;
  co_await compute{config_.command_cycles};
  const std::pair<uint32_t, CommandBlock> steps[] = {
      // 604: the secondary's data bridge becomes the secondary of the data
      // bridge pair; it checks that its geometry can hold the ring.
      {604,
       {kUpdateSecondaryDeviceStatus,
        b->data_bridge,
        b->peer_data_bridge,
        {0, b->blocks_per_track, b->tracks}}},
      // 606: a path from the secondary back to the primary, for status.
      {606, {kEstablishStatusPath, b->data_bridge, b->peer_data_bridge, {b->status_link, 0, 0}}},
      // 608: the status bridge pair, from the secondary's status bridge to ours.
      {608,
       {kEstablishStatusBridge,
        b->peer_status_bridge,
        b->status_bridge,
        {b->peer_data_bridge, b->data_bridge, 0}}},
  };
  for (const auto& [step, block] : steps) {
    set_step(*b, step);
    auto call = to_peer(block);
    const auto reply = co_await call;
    b = find(id);
    if (const std::string why = refusal(reply); !why.empty()) {
      fail_setup(*b, why);
      --b->tcbs;
      co_return;
    }
  }
  // 610 and 612 come from the secondary; wait for the notification.
  const uint64_t deadline = dispatcher_.hardware().now_ps() + config_.setup_timeout_ps;
  dispatcher_.hardware().start_timer(config_.setup_timeout_ps, [this, id] {
    if (Bridge* x = find(id)) x->changed->notify_all();
  });
  while (!b->notified && dispatcher_.hardware().now_ps() < deadline) {
    co_await b->changed->wait();
    b = find(id);
  }
  if (!b->notified) {
    fail_setup(*b, "no notification from the secondary within the setup timeout");
    --b->tcbs;
    co_return;
  }
  // 614: the host learns it from QUERY_BRIDGE and the log.
  set_step(*b, 614);
  --b->tcbs;
  go_established(*b);
}

void BridgeService::go_established(Bridge& b) {
  b.state = BridgeState::established;
  dispatcher_.hardware().log(LogLevel::info, name(b) + " established");
  if (b.side == BridgeSide::primary) {
    const bool started = start(serve(b.data_bridge, b.generation)) &&
                         start(read_status(b.data_bridge, b.generation));
    if (!started) {
      fail_setup(b, "no bridge TCB free for its sync worker and status reader");
      return;
    }
    queued_->notify_all();
  } else if (!start(send_status(b.data_bridge, b.generation))) {
    fail_setup(b, "no bridge TCB free for its status sender");
  }
}

// 604 at the secondary (data bridge), 610 at the primary (status bridge).
CommandStatus BridgeService::update_secondary_device_status(const CommandBlock& c) {
  const bool data = c.parameters[0] == 0;
  Bridge* b = data ? find(c.secondary_volume) : find_by_status(c.secondary_volume);
  const BridgeSide side = data ? BridgeSide::secondary : BridgeSide::primary;
  if (b == nullptr || b->side != side) {
    return {CommandResult::invalid_state,
            "UPDATE_SECONDARY_DEVICE_STATUS refused: volume " + device_name(c.secondary_volume) +
                " is not a " + (data ? "data" : "status") + " bridge defined on the " +
                std::string(to_string(side))};
  }
  const uint64_t tracks = dispatcher_.hardware().tracks(c.secondary_volume);
  if (c.parameters[1] != dispatcher_.hardware().blocks_per_track(c.secondary_volume) ||
      tracks < c.parameters[2]) {
    return {CommandResult::bad_parameter,
            "UPDATE_SECONDARY_DEVICE_STATUS refused: volume " + device_name(c.secondary_volume) +
                " has " + std::to_string(tracks) + " tracks of " +
                std::to_string(dispatcher_.hardware().blocks_per_track(c.secondary_volume)) +
                " blocks; its peer needs " + std::to_string(c.parameters[2]) + " of " +
                std::to_string(c.parameters[1])};
  }
  if (data) {
    if (b->state == BridgeState::established || b->state == BridgeState::establishing) {
      return {CommandResult::invalid_state, "UPDATE_SECONDARY_DEVICE_STATUS refused: " + name(*b) +
                                                " is " + std::string(to_string(b->state))};
    }
    b->data_pair = true;
    b->peer_data_bridge = c.primary_volume;
    b->state = BridgeState::defined;
    set_step(*b, 604);
  } else {
    b->status_pair = true;
    set_step(*b, 610);
  }
  return {CommandResult::ok, "volume " + device_name(c.secondary_volume) + " is the secondary of " +
                                 device_name(c.primary_volume)};
}

// 606 at the secondary.
CommandStatus BridgeService::establish_status_path(const CommandBlock& c) {
  Bridge* b = find(c.secondary_volume);
  if (b == nullptr || b->side != BridgeSide::secondary || !b->data_pair) {
    return {CommandResult::invalid_state, "ESTABLISH_STATUS_PATH refused: volume " +
                                              device_name(c.secondary_volume) +
                                              " is not the secondary of a data bridge pair"};
  }
  if (c.parameters[0] >= dispatcher_.hardware().links()) {
    return {CommandResult::bad_parameter,
            "ESTABLISH_STATUS_PATH refused: link " + std::to_string(c.parameters[0]) +
                " does not exist (" + std::to_string(dispatcher_.hardware().links()) + " links)"};
  }
  b->status_link = static_cast<uint32_t>(c.parameters[0]);
  b->status_path = true;
  set_step(*b, 606);
  return {CommandResult::ok, "status path over link " + std::to_string(b->status_link)};
}

// 608 at the secondary: the reply goes back at once; 610 and 612 follow
// from a bridge TCB of the secondary.
CommandStatus BridgeService::establish_status_bridge(const CommandBlock& c) {
  Bridge* b = find(static_cast<uint16_t>(c.parameters[0]));
  if (b == nullptr || b->side != BridgeSide::secondary || !b->status_path) {
    return {CommandResult::invalid_state, "ESTABLISH_STATUS_BRIDGE refused: bridge " +
                                              device_name(static_cast<uint16_t>(c.parameters[0])) +
                                              " has no status path"};
  }
  if (c.primary_volume != b->status_bridge) {
    return {CommandResult::bad_parameter, "ESTABLISH_STATUS_BRIDGE refused: the status bridge of " +
                                              name(*b) + " is " + device_name(b->status_bridge) +
                                              ", not " + device_name(c.primary_volume)};
  }
  b->peer_status_bridge = c.secondary_volume;
  ++b->generation;
  if (!start(answer_status_bridge(b->data_bridge, b->generation))) {
    return {CommandResult::no_resources, "ESTABLISH_STATUS_BRIDGE refused: no bridge TCB free"};
  }
  b->state = BridgeState::establishing;
  set_step(*b, 608);
  return {CommandResult::ok, "status bridge " + device_name(b->status_bridge) + " -> " +
                                 device_name(c.secondary_volume) + " establishing"};
}

Task BridgeService::answer_status_bridge(uint16_t id, uint64_t generation) {
  Bridge* b = find(id);
  ++b->tcbs;
  co_await compute{config_.command_cycles};
  const std::pair<uint32_t, CommandBlock> steps[] = {
      {610,
       {kUpdateSecondaryDeviceStatus,
        b->status_bridge,
        b->peer_status_bridge,
        {1, b->blocks_per_track, 1}}},
      {612, {kBridgeNotify, b->peer_data_bridge, b->data_bridge, {}}},
  };
  for (const auto& [step, block] : steps) {
    auto call = to_peer(block);
    const auto reply = co_await call;
    b = find(id);
    const std::string why = refusal(reply);
    if (b->generation != generation || !why.empty()) {
      --b->tcbs;
      if (b->generation == generation) fail_setup(*b, why);
      co_return;
    }
    set_step(*b, step);
  }
  --b->tcbs;
  go_established(*b);
}

// 612 at the primary.
CommandStatus BridgeService::notify(const CommandBlock& c) {
  Bridge* b = find(c.primary_volume);
  if (b == nullptr || b->side != BridgeSide::primary || b->state != BridgeState::establishing ||
      !b->status_pair) {
    return {CommandResult::invalid_state, "BRIDGE_NOTIFY refused: bridge " +
                                              device_name(c.primary_volume) +
                                              " is not waiting for its status bridge"};
  }
  b->notified = true;
  set_step(*b, 612);
  b->changed->notify_all();
  return {CommandResult::ok, name(*b) + " notified"};
}

CommandStatus BridgeService::remove(const CommandBlock& c) {
  Hardware& hw = dispatcher_.hardware();
  Bridge* b = find(c.primary_volume);
  if (b == nullptr) {
    return {CommandResult::invalid_state, "REMOVE_BRIDGE refused: volume " +
                                              device_name(c.primary_volume) +
                                              " is not a defined bridge"};
  }
  if (b->state == BridgeState::establishing) {
    return {CommandResult::invalid_state,
            "REMOVE_BRIDGE refused: " + name(*b) + " is establishing"};
  }
  if (b->state == BridgeState::defined && !b->data_pair) {
    if (b->tcbs != 0) {
      return {CommandResult::invalid_state,
              "REMOVE_BRIDGE refused: " + name(*b) + " still has TCBs ending"};
    }
    hw.set_reserved(b->data_bridge, false, {});
    hw.set_reserved(b->status_bridge, false, {});
    if (!b->slots.empty()) hw.release_control_store("bridge slots", b->slots.size() * sizeof(Slot));
    bridges_.erase(b->data_bridge);
    return {CommandResult::ok, "bridge " + device_name(c.primary_volume) + " no longer defined"};
  }
  const bool awaiting =
      std::any_of(b->slots.begin(), b->slots.end(), [](const Slot& s) { return s.job != nullptr; });
  if (b->job != nullptr || awaiting) {
    return {CommandResult::invalid_state,
            "REMOVE_BRIDGE refused: " + name(*b) + " is synchronizing a volume"};
  }
  const bool last = std::none_of(bridges_.begin(), bridges_.end(), [&](const auto& kv) {
    return kv.second.get() != b && kv.second->side == BridgeSide::primary &&
           kv.second->state == BridgeState::established;
  });
  if (b->side == BridgeSide::primary && last && !queue_.empty()) {
    return {CommandResult::invalid_state,
            "REMOVE_BRIDGE refused: " + name(*b) + " is the last bridge and " +
                std::to_string(queue_.size()) + " volumes wait for it"};
  }
  const bool tell = b->side == BridgeSide::primary && b->step > 602;
  b->state = BridgeState::defined;
  b->step = 600;
  ++b->generation;  // its TCBs leave
  b->data_pair = b->status_path = b->status_pair = b->notified = false;
  // Slots given up to a failed link are free again: the secondary's side
  // is gone with it.
  std::fill(b->slots.begin(), b->slots.end(), Slot{});
  b->free_slots = b->slots.size();
  b->status_inbox.clear();
  b->pending.clear();
  b->changed->notify_all();
  queued_->notify_all();
  if (tell) start(tell_peer_removed({kRemoveBridge, b->peer_data_bridge, 0, {}}));
  return {CommandResult::ok, name(*b) + " removed: defined"};
}

Task BridgeService::tell_peer_removed(CommandBlock block) {
  auto call = to_peer(block);
  const auto reply = co_await call;
  if (!refusal(reply).empty()) {
    dispatcher_.hardware().log(LogLevel::warning, "the secondary did not remove bridge " +
                                                      device_name(block.primary_volume));
  }
}

CommandStatus BridgeService::query(const CommandBlock& c) const {
  const Bridge* b = find(c.primary_volume);
  if (b == nullptr) {
    return {CommandResult::ok, "volume " + device_name(c.primary_volume) + " is not a bridge"};
  }
  std::string m = name(*b) + " " + std::string(to_string(b->side)) + " " +
                  std::string(to_string(b->state)) + " (step " + std::to_string(b->step) + ")";
  if (b->state == BridgeState::failed) m += ": " + b->failure;
  if (b->side == BridgeSide::primary) {
    m += "; volume synchronization queue " + std::to_string(queue_.size()) + ", " +
         std::to_string(b->slots.size() - b->free_slots) + " of " +
         std::to_string(b->slots.size()) + " slots awaiting status";
  }
  return {CommandResult::ok, m};
}

}  // namespace copysim::fw
