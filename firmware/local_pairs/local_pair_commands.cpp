// The pair commands of Fig. 2 and Fig. 7 and the status machine of Fig. 8.
#include <fmt/format.h>

#include "firmware/local_pairs/local_pair.h"

namespace copysim::fw {

namespace {
constexpr uint64_t kPairInfoBytes = 32;   // one entry of the pair information table
constexpr uint64_t kCommandAccesses = 2;  // find the entry, update it
}  // namespace

std::string_view to_string(LocalPairState state) {
  switch (state) {
    case LocalPairState::no_pair:
      return "no pair";
    case LocalPairState::paired_not_copied:
      return "paired not copied";
    case LocalPairState::copy_in_progress:
      return "copy in progress";
    case LocalPairState::copied:
      return "copied";
    case LocalPairState::suspended:
      return "suspended";
  }
  return "unknown";
}

LocalPairService::LocalPairService(Dispatcher& dispatcher, CommandProcessor& commands,
                                   HostIoGate& gate, TrackCopier& copier, LocalPairConfig config)
    : dispatcher_(dispatcher),
      hardware_(dispatcher.hardware()),
      gate_(gate),
      copier_(copier),
      config_(config),
      tcbs_(dispatcher, "local pair copies", config.copy_tcbs) {
  if (!hardware_.allocate_control_store("local pair information",
                                        config.max_pairs * kPairInfoBytes)) {
    throw std::length_error("local pair information does not fit in the control store");
  }
  commands.add(kCreateLocalPair, "CREATE_LOCAL_PAIR", [this](auto& b) { return create(b); });
  commands.add(kDeleteLocalPair, "DELETE_LOCAL_PAIR", [this](auto& b) { return remove(b); });
  commands.add(kCopyLocalPair, "COPY_LOCAL_PAIR", [this](auto& b) { return split(b); });
  commands.add(kResyncLocalPair, "RESYNC_LOCAL_PAIR", [this](auto& b) { return resync(b); });
  commands.add(kSuspendLocalPair, "SUSPEND_LOCAL_PAIR", [this](auto& b) { return suspend(b); });
  commands.add(kQueryLocalPair, "QUERY_LOCAL_PAIR", [this](auto& b) { return query(b); });
  commands.add(kSetReserve, "SET_RESERVE", [this](auto& b) { return set_reserve(b); });
}

LocalPairService::~LocalPairService() {
  for (const auto& [n, p] : pairs_) {
    hardware_.release_control_store("local pair control information", p->control_bytes());
  }
  hardware_.release_control_store("local pair information", config_.max_pairs * kPairInfoBytes);
}

LocalPairService::Pair* LocalPairService::find(uint16_t primary, uint16_t secondary) const {
  for (const auto& [n, p] : pairs_) {
    if (p->info.primary == primary && p->info.secondary == secondary) return p.get();
  }
  return nullptr;
}

LocalPairService::Pair* LocalPairService::find(uint32_t number, uint64_t generation) const {
  auto it = pairs_.find(number);
  return it != pairs_.end() && it->second->generation == generation ? it->second.get() : nullptr;
}

std::optional<LocalPairInfo> LocalPairService::pair(uint16_t primary, uint16_t secondary) const {
  const Pair* p = find(primary, secondary);
  if (p == nullptr) return std::nullopt;
  LocalPairInfo info = p->info;
  info.unequal_tracks = p->inequality.count();
  return info;
}

LocalPairState LocalPairService::state(uint16_t primary, uint16_t secondary) const {
  const Pair* p = find(primary, secondary);
  return p == nullptr ? LocalPairState::no_pair : p->info.state;
}

bool LocalPairService::in_pair(uint16_t device) const {
  for (const auto& [n, p] : pairs_) {
    if (p->info.primary == device || p->info.secondary == device) return true;
  }
  return false;
}

std::string LocalPairService::refusal(const Pair* p, uint16_t primary, uint16_t secondary,
                                      std::string_view command) const {
  return fmt::format("{} refused: pair {}->{} is {}", command, device_name(primary),
                     device_name(secondary),
                     to_string(p == nullptr ? LocalPairState::no_pair : p->info.state));
}

void LocalPairService::set_state(Pair& p, LocalPairState to, std::string event) {
  const LocalPairState from = p.info.state;
  p.info.state = to;
  history_.append({hardware_.now_ps(), p.info.number, p.info.primary, p.info.secondary,
                   std::move(event), std::string(to_string(from)), std::string(to_string(to))});
  if (p.wake) p.wake->notify_all();
}

// A secondary takes host writes only once its pair is copied (split); any
// other reserved volume never does.
void LocalPairService::update_access(uint16_t device) {
  for (const auto& [n, p] : pairs_) {
    if (p->info.secondary != device) continue;
    const bool refuse = p->info.state != LocalPairState::copied;
    hardware_.set_reserved(
        device, refuse,
        fmt::format("secondary of local pair {} ({})", p->info.number, to_string(p->info.state)));
    return;
  }
  hardware_.set_reserved(device, reserved(device), "reserved (reserve attribute)");
}

std::optional<uint32_t> LocalPairService::parse_pace(uint64_t p, bool keep_allowed,
                                                     std::string& error) const {
  if (p == kPaceSlow || p == kPaceMedium || p == kPaceFast) return static_cast<uint32_t>(p);
  if (p == 0) return keep_allowed ? 0 : kPaceMedium;
  error = fmt::format("pace {} is not 1 (slow), 3 (medium) or 15 (fast) tracks", p);
  return std::nullopt;
}

CommandStatus LocalPairService::create(const CommandBlock& b) {
  hardware_.control_store_work(kCommandAccesses);
  std::string error;
  const auto pace = parse_pace(b.parameters[0], false, error);
  if (!pace) return {CommandResult::bad_parameter, "CREATE_LOCAL_PAIR refused: " + error};
  const uint16_t primary = b.primary_volume;
  const uint64_t tracks = hardware_.tracks(primary);
  if (tracks == 0) {
    return {CommandResult::bad_parameter,
            "CREATE_LOCAL_PAIR refused: no volume " + device_name(primary)};
  }
  uint16_t secondary = b.secondary_volume;
  if (secondary == 0) {
    // Automatic choice: the reserved volume with the lowest device number.
    for (uint16_t d : reserved_) {
      if (d != primary && !in_pair(d) && hardware_.tracks(d) == tracks &&
          hardware_.blocks_per_track(d) == hardware_.blocks_per_track(primary)) {
        secondary = d;
        break;
      }
    }
    if (secondary == 0) {
      return {CommandResult::no_resources,
              fmt::format("CREATE_LOCAL_PAIR refused: no free reserved volume of {} tracks for "
                          "an automatic secondary of {}",
                          tracks, device_name(primary))};
    }
  }
  if (const Pair* p = find(primary, secondary)) {
    return {CommandResult::invalid_state, refusal(p, primary, secondary, "CREATE_LOCAL_PAIR")};
  }
  if (secondary == primary || hardware_.tracks(secondary) != tracks ||
      hardware_.blocks_per_track(secondary) != hardware_.blocks_per_track(primary)) {
    return {CommandResult::bad_parameter,
            fmt::format("CREATE_LOCAL_PAIR refused: {} is not a volume of the size of {}",
                        device_name(secondary), device_name(primary))};
  }
  if (in_other_service) {
    for (auto [device, as_target] : {std::pair{primary, false}, std::pair{secondary, true}}) {
      if (std::string why = in_other_service(device, as_target); !why.empty()) {
        return {CommandResult::invalid_state,
                fmt::format("CREATE_LOCAL_PAIR refused: {} is {}", device_name(device), why)};
      }
    }
  }
  uint32_t secondaries = 0;
  for (const auto& [n, p] : pairs_) {
    if (p->info.secondary == primary || p->info.primary == secondary ||
        p->info.secondary == secondary) {
      const uint16_t busy = p->info.secondary == primary ? primary : secondary;
      return {CommandResult::invalid_state,
              fmt::format("CREATE_LOCAL_PAIR refused: {} is already in pair {} ({}->{})",
                          device_name(busy), n, device_name(p->info.primary),
                          device_name(p->info.secondary))};
    }
    if (p->info.primary == primary) ++secondaries;
  }
  if (secondaries >= kMaxSecondaries) {
    return {CommandResult::no_resources,
            fmt::format("CREATE_LOCAL_PAIR refused: {} already has {} secondaries",
                        device_name(primary), kMaxSecondaries)};
  }
  uint32_t number = 0;
  while (pairs_.count(number) != 0) ++number;
  if (number >= config_.max_pairs) {
    return {CommandResult::no_resources,
            fmt::format("CREATE_LOCAL_PAIR refused: all {} pair entries are in use",
                        config_.max_pairs)};
  }
  auto p = std::make_unique<Pair>();
  p->inequality = TrackBitmap(tracks);
  p->primary_changes = TrackBitmap(tracks);
  p->secondary_changes = TrackBitmap(tracks);
  if (!hardware_.allocate_control_store("local pair control information", p->control_bytes())) {
    return {CommandResult::no_resources,
            "CREATE_LOCAL_PAIR refused: the control store has no room for the pair's bitmaps"};
  }
  Tcb* tcb = tcbs_.allocate();
  if (tcb == nullptr) {
    hardware_.release_control_store("local pair control information", p->control_bytes());
    return {CommandResult::no_resources,
            fmt::format("CREATE_LOCAL_PAIR refused: all {} copy TCBs are busy", config_.copy_tcbs)};
  }
  p->info = LocalPairInfo{
      number, LocalPairState::no_pair, primary, secondary, 0, *pace, tracks, 0, 0, 0, 0};
  p->inequality.set_range(0, tracks);  // nothing is copied yet
  p->generation = ++generation_;
  p->wake = std::make_unique<Event>(dispatcher_);
  hardware_.control_store_work(bitmap_words(tracks));
  Pair& pair = *p;
  pairs_.emplace(number, std::move(p));
  reserved_.insert(secondary);
  set_state(pair, LocalPairState::paired_not_copied, "create");
  update_access(secondary);
  dispatcher_.start(*tcb, copy_process(number, pair.generation));
  return {CommandResult::ok, fmt::format("pair {}: {}->{} paired not copied, pace {}", number,
                                         device_name(primary), device_name(secondary), *pace)};
}

CommandStatus LocalPairService::remove(const CommandBlock& b) {
  hardware_.control_store_work(kCommandAccesses);
  Pair* p = find(b.primary_volume, b.secondary_volume);
  if (p == nullptr) {
    return {CommandResult::invalid_state,
            refusal(p, b.primary_volume, b.secondary_volume, "DELETE_LOCAL_PAIR")};
  }
  const uint32_t number = p->info.number;
  const uint16_t secondary = p->info.secondary;
  set_state(*p, LocalPairState::no_pair, "delete");  // wakes the copy, which then ends
  hardware_.release_control_store("local pair control information", p->control_bytes());
  pairs_.erase(number);
  update_access(secondary);
  return {CommandResult::ok, fmt::format("pair {} deleted; {} stays reserved until released",
                                         number, device_name(secondary))};
}

CommandStatus LocalPairService::split(const CommandBlock& b) {
  hardware_.control_store_work(kCommandAccesses);
  Pair* p = find(b.primary_volume, b.secondary_volume);
  std::string error;
  const auto pace = parse_pace(b.parameters[0], true, error);
  if (!pace) return {CommandResult::bad_parameter, "COPY_LOCAL_PAIR refused: " + error};
  if (p == nullptr || p->info.state != LocalPairState::paired_not_copied) {
    return {CommandResult::invalid_state,
            refusal(p, b.primary_volume, b.secondary_volume, "COPY_LOCAL_PAIR")};
  }
  if (*pace != 0) p->info.pace = *pace;
  p->split_pending = true;
  set_state(*p, LocalPairState::copy_in_progress, "copy");
  const uint32_t number = p->info.number;
  const uint64_t generation = p->generation;
  gate_.at_quiet_point({p->info.primary}, [this, number, generation] {
    Pair* q = find(number, generation);
    if (q == nullptr || !q->split_pending) return;
    q->split_pending = false;
    q->info.split_point_ps = hardware_.now_ps();
    set_state(*q, LocalPairState::copy_in_progress, "point in time");
  });
  return {CommandResult::ok, fmt::format("pair {}: copy in progress, {} tracks to copy",
                                         p->info.number, p->inequality.count())};
}

CommandStatus LocalPairService::resync(const CommandBlock& b) {
  hardware_.control_store_work(kCommandAccesses);
  Pair* p = find(b.primary_volume, b.secondary_volume);
  std::string error;
  const auto pace = parse_pace(b.parameters[0], true, error);
  if (!pace) return {CommandResult::bad_parameter, "RESYNC_LOCAL_PAIR refused: " + error};
  if (p == nullptr ||
      (p->info.state != LocalPairState::copied && p->info.state != LocalPairState::suspended)) {
    return {CommandResult::invalid_state,
            refusal(p, b.primary_volume, b.secondary_volume, "RESYNC_LOCAL_PAIR")};
  }
  if (*pace != 0) p->info.pace = *pace;
  // At a quiet point of both volumes, so that a write to the split
  // secondary already under way is recorded before the maps are compared.
  const uint32_t number = p->info.number;
  const uint64_t generation = p->generation;
  gate_.at_quiet_point({p->info.primary, p->info.secondary}, [this, number, generation] {
    Pair* q = find(number, generation);
    if (q == nullptr ||
        (q->info.state != LocalPairState::copied && q->info.state != LocalPairState::suspended)) {
      return;
    }
    // Both sides' track maps: a track either side's hosts wrote is unequal.
    for (uint64_t t = 0; t < q->info.tracks; ++t) {
      if (q->primary_changes.test(t) || q->secondary_changes.test(t)) q->inequality.set(t);
    }
    q->primary_changes = TrackBitmap(q->info.tracks);
    q->secondary_changes = TrackBitmap(q->info.tracks);
    set_state(*q, LocalPairState::paired_not_copied, "resync");
    update_access(q->info.secondary);
  });
  hardware_.control_store_work(3 * bitmap_words(p->info.tracks));
  if (p->info.state != LocalPairState::paired_not_copied) {
    return {CommandResult::ok,
            fmt::format("pair {}: resync starts once writes under way have landed", number)};
  }
  return {CommandResult::ok, fmt::format("pair {}: paired not copied, {} unequal tracks to copy",
                                         number, p->inequality.count())};
}

CommandStatus LocalPairService::suspend(const CommandBlock& b) {
  hardware_.control_store_work(kCommandAccesses);
  Pair* p = find(b.primary_volume, b.secondary_volume);
  if (p == nullptr || (p->info.state != LocalPairState::paired_not_copied &&
                       p->info.state != LocalPairState::copy_in_progress)) {
    return {CommandResult::invalid_state,
            refusal(p, b.primary_volume, b.secondary_volume, "SUSPEND_LOCAL_PAIR")};
  }
  // A split cut short leaves no point in time: what was written since on
  // the primary is unequal too.
  for (uint64_t t = 0; t < p->info.tracks; ++t) {
    if (p->primary_changes.test(t)) p->inequality.set(t);
  }
  p->primary_changes = TrackBitmap(p->info.tracks);
  p->split_pending = false;
  set_state(*p, LocalPairState::suspended, "suspend");
  return {CommandResult::ok, fmt::format("pair {}: suspended with {} unequal tracks",
                                         p->info.number, p->inequality.count())};
}

CommandStatus LocalPairService::query(const CommandBlock& b) const {
  const auto info = pair(b.primary_volume, b.secondary_volume);
  if (!info) {
    return {CommandResult::invalid_state,
            refusal(nullptr, b.primary_volume, b.secondary_volume, "QUERY_LOCAL_PAIR")};
  }
  return {CommandResult::ok,
          fmt::format("pair {}: {}->{} {}, pace {}, copy pointer {}, {} unequal tracks, {} "
                      "copied, {} copied before a write",
                      info->number, device_name(info->primary), device_name(info->secondary),
                      to_string(info->state), info->pace, info->copy_pointer, info->unequal_tracks,
                      info->tracks_copied, info->copy_before_writes)};
}

CommandStatus LocalPairService::set_reserve(const CommandBlock& b) {
  hardware_.control_store_work(kCommandAccesses);
  const uint16_t device = b.primary_volume;
  if (hardware_.tracks(device) == 0) {
    return {CommandResult::bad_parameter, "SET_RESERVE refused: no volume " + device_name(device)};
  }
  if (b.parameters[0] > 1) {
    return {CommandResult::bad_parameter, "SET_RESERVE refused: parameter 0 is 1 (on) or 0 (off)"};
  }
  if (in_pair(device)) {
    return {CommandResult::invalid_state,
            fmt::format("SET_RESERVE refused: {} is in a local pair", device_name(device))};
  }
  if (b.parameters[0] == 1) {
    reserved_.insert(device);
  } else {
    reserved_.erase(device);
  }
  update_access(device);
  return {CommandResult::ok, fmt::format("{} {}", device_name(device),
                                         b.parameters[0] == 1 ? "reserved" : "released")};
}

}  // namespace copysim::fw
