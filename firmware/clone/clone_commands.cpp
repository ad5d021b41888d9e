// CREATE, PRECOPY, ACTIVATE, ACTIVE COPY and TERMINATE (seed 003 Figs. 3,
// 4 and 7), with the seed's checks.
#include <fmt/format.h>

#include "firmware/clone/clone_session.h"

namespace copysim::fw {

namespace {
constexpr uint64_t kSessionAccesses = 4;  // the OS-copy structure, flags, SESSION IDS
constexpr uint64_t kSessionBytes = 64;    // one OS-copy structure
}  // namespace

std::string_view to_string(CloneState state) {
  switch (state) {
    case CloneState::none:
      return "no session";
    case CloneState::created:
      return "created";
    case CloneState::precopy:
      return "precopy";
    case CloneState::active:
      return "active";
    case CloneState::copied:
      return "copied";
  }
  return "unknown";
}

std::string_view to_string(CloneOp op) {
  switch (op) {
    case CloneOp::create:
      return "create";
    case CloneOp::precopy:
      return "precopy";
    case CloneOp::activate:
      return "activate";
    case CloneOp::copy:
      return "copy";
    case CloneOp::terminate:
      return "terminate";
  }
  return "unknown";
}

std::string_view to_string(CloneOpStatus status) {
  switch (status) {
    case CloneOpStatus::in_progress:
      return "in progress";
    case CloneOpStatus::completed:
      return "completed";
    case CloneOpStatus::failed:
      return "failed";
  }
  return "unknown";
}

CloneService::CloneService(Dispatcher& dispatcher, CommandProcessor& commands, HostIoGate& gate,
                           TrackCopier& copier, CloneConfig config)
    : dispatcher_(dispatcher),
      hardware_(dispatcher.hardware()),
      gate_(gate),
      copier_(copier),
      config_(config),
      tcbs_(dispatcher, "clone copies", config.copy_tcbs) {
  if (!hardware_.allocate_control_store("clone sessions", config.max_sessions * kSessionBytes)) {
    throw std::length_error("clone sessions do not fit in the control store");
  }
  commands.add(kCreateClone, "CREATE_CLONE", [this](auto& b) { return create(b, false); });
  commands.add(kPrecopyClone, "PRECOPY", [this](auto& b) { return precopy(b); });
  commands.add(kActivateClone, "ACTIVATE", [this](auto& b) { return activate(b); });
  commands.add(kActiveCopyClone, "ACTIVE_COPY", [this](auto& b) { return create(b, true); });
  commands.add(kTerminateClone, "TERMINATE", [this](auto& b) { return terminate(b); });
  commands.add(kQueryClone, "QUERY_CLONE", [this](auto& b) { return query(b); });
  commands.add(kAddCloneExtent, "ADD_EXTENT", [this](auto& b) { return add_extent(b); });
}

CloneService::~CloneService() {
  for (const auto& [d, s] : sessions_) {
    hardware_.release_control_store("clone PB and IND bits", s->ind.bytes());
  }
  for (const auto& [source, table] : pb_) {
    hardware_.release_control_store("clone PB and IND bits", table->bytes());
  }
  hardware_.release_control_store("clone sessions", config_.max_sessions * kSessionBytes);
}

std::optional<uint32_t> CloneService::session_of(uint16_t device) const {
  for (const auto& [d, s] : sessions_) {
    if (d == device || s->info.source == device) return s->info.id;
  }
  return std::nullopt;
}

CloneService::Session* CloneService::find(uint16_t destination) const {
  auto it = sessions_.find(destination);
  return it == sessions_.end() ? nullptr : it->second.get();
}

CloneService::Session* CloneService::find(uint32_t id, uint64_t generation) const {
  for (const auto& [d, s] : sessions_) {
    if (s->info.id == id && s->generation == generation) return s.get();
  }
  return nullptr;
}

CloneState CloneService::state_of(const Session& s) const {
  if (s.info.os_copy.active) {
    return s.activate_pending || s.info.os_copy.op_status == CloneOpStatus::in_progress ||
                   s.pb->count(s.info.clone_column) != 0
               ? CloneState::active
               : CloneState::copied;
  }
  return s.info.os_copy.precopy ? CloneState::precopy : CloneState::created;
}

std::optional<CloneSessionInfo> CloneService::session(uint16_t destination) const {
  const Session* s = find(destination);
  if (s == nullptr) return std::nullopt;
  CloneSessionInfo info = s->info;
  info.state = state_of(*s);
  info.tracks_to_copy = s->pb->count(s->info.clone_column);
  info.ind_tracks = s->ind.count();
  return info;
}

CloneState CloneService::state(uint16_t destination) const {
  const Session* s = find(destination);
  return s == nullptr ? CloneState::none : state_of(*s);
}

std::string CloneService::refusal(const Session* s, uint16_t destination,
                                  std::string_view command) const {
  if (s == nullptr) {
    return fmt::format("{} refused: {} is the destination of no clone session", command,
                       device_name(destination));
  }
  if (s->info.os_copy.op_status == CloneOpStatus::failed) {
    return fmt::format("{} refused: session {} failed ({})", command, s->info.id, s->info.error);
  }
  return fmt::format("{} refused: session {} ({}->{}) is {}", command, s->info.id,
                     device_name(s->info.source), device_name(destination),
                     to_string(state_of(*s)));
}

void CloneService::record(Session& s, std::string event, CloneState from) {
  history_.append({hardware_.now_ps(), s.info.id, s.info.source, s.info.os_copy.destination,
                   std::move(event), std::string(to_string(from)),
                   std::string(to_string(state_of(s)))});
  s.wake->notify_all();
}

std::string CloneService::check_extent(const Session* s, uint16_t source, Extent e,
                                       const std::vector<Extent>& more) const {
  const uint64_t tracks = hardware_.tracks(source);
  if (e.tracks == 0 || e.first + e.tracks > tracks) {
    return fmt::format("extent of tracks {}..{} is not within the {} tracks of {}", e.first,
                       e.first + e.tracks, tracks, device_name(source));
  }
  std::vector<Extent> all = more;
  if (s != nullptr) all.insert(all.end(), s->info.extents.begin(), s->info.extents.end());
  for (const Extent& o : all) {
    if (e.first < o.first + o.tracks && o.first < e.first + e.tracks) {
      return fmt::format("extent of tracks {}..{} overlaps tracks {}..{}", e.first,
                         e.first + e.tracks, o.first, o.first + o.tracks);
    }
  }
  return {};
}

// The tracks of `e` are to be copied: clone PB and IND set.
void CloneService::cover(Session& s, Extent e) {
  for (uint64_t t = e.first; t < e.first + e.tracks; ++t) {
    s.pb->set(t, s.info.clone_column);
    s.ind.set(t);
  }
  hardware_.control_store_work(2 * bitmap_words(e.tracks));
}

CommandStatus CloneService::create(const CommandBlock& b, bool activate_now) {
  hardware_.control_store_work(kSessionAccesses);
  const std::string_view command = activate_now ? "ACTIVE_COPY" : "CREATE_CLONE";
  const uint16_t source = b.primary_volume;
  const uint16_t destination = b.secondary_volume;
  const bool with_precopy = !activate_now && (b.parameters[0] & 1) != 0;
  if (b.parameters[0] > 1) {
    return {CommandResult::bad_parameter,
            fmt::format("{} refused: parameter 0 has bit 0 (precopy) only", command)};
  }
  if (const Session* s = find(destination)) {
    return {CommandResult::invalid_state, refusal(s, destination, command)};
  }
  const uint64_t tracks = hardware_.tracks(source);
  if (tracks == 0 || hardware_.tracks(destination) != tracks || source == destination ||
      hardware_.blocks_per_track(destination) != hardware_.blocks_per_track(source)) {
    return {CommandResult::bad_parameter,
            fmt::format("{} refused: {} and {} are not two volumes of the same size", command,
                        device_name(source), device_name(destination))};
  }
  for (const auto& [d, s] : sessions_) {
    if (d == source || s->info.source == destination) {
      return {CommandResult::invalid_state,
              fmt::format("{} refused: {} is already in session {}", command,
                          device_name(d == source ? source : destination), s->info.id)};
    }
  }
  if (in_other_service) {
    for (auto [device, as_target] : {std::pair{source, false}, std::pair{destination, true}}) {
      if (std::string why = in_other_service(device, as_target); !why.empty()) {
        return {CommandResult::invalid_state,
                fmt::format("{} refused: {} is {}", command, device_name(device), why)};
      }
    }
  }
  std::vector<Extent> extents;
  for (uint64_t p : {b.parameters[1], b.parameters[2]}) {
    if (p == 0) continue;
    const Extent e{p >> 32, p & 0xffffffffu};
    if (std::string why = check_extent(nullptr, source, e, extents); !why.empty()) {
      return {CommandResult::bad_parameter, fmt::format("{} refused: {}", command, why)};
    }
    extents.push_back(e);
  }
  // Everything that can fail is checked before anything changes.
  auto& table = pb_[source];
  const bool new_table = table == nullptr;
  if (new_table) table = std::make_unique<PbTable>(tracks);
  const int needed = with_precopy ? 2 : 1;
  auto undo_table = [&] {
    if (new_table) pb_.erase(source);
  };
  if (table->columns_free() < needed) {
    const int free = table->columns_free();
    undo_table();
    return {CommandResult::no_resources,
            fmt::format("{} refused: {} has {} free PB columns of {}, the session needs {}",
                        command, device_name(source), free, PbTable::kColumns, needed)};
  }
  if (sessions_.size() >= config_.max_sessions) {
    undo_table();
    return {CommandResult::no_resources,
            fmt::format("{} refused: all {} sessions are in use", command, config_.max_sessions)};
  }
  const uint64_t bytes = (new_table ? table->bytes() : 0) + TrackBitmap(tracks).bytes();
  if (!hardware_.allocate_control_store("clone PB and IND bits", bytes)) {
    undo_table();
    return {CommandResult::no_resources,
            fmt::format("{} refused: no control store for the PB and IND bits", command)};
  }
  Tcb* tcb = tcbs_.allocate();
  if (tcb == nullptr) {
    hardware_.release_control_store("clone PB and IND bits", bytes);
    undo_table();
    return {CommandResult::no_resources,
            fmt::format("{} refused: all {} copy TCBs are busy", command, config_.copy_tcbs)};
  }

  auto s = std::make_unique<Session>();
  s->pb = table.get();
  s->ind = TrackBitmap(tracks);
  s->generation = ++generation_;
  s->wake = std::make_unique<Event>(dispatcher_);
  s->info.id = next_id_++;
  s->info.source = source;
  s->info.os_copy.destination = destination;
  s->info.os_copy.time_stamp_ps = hardware_.now_ps();
  s->info.clone_column = *table->allocate();
  s->whole_volume = extents.empty();
  s->info.extents = extents;
  if (s->whole_volume) {
    cover(*s, {0, tracks});
  } else {
    for (const Extent& e : extents) cover(*s, e);
  }
  hardware_.set_not_ready(destination, true,
                          fmt::format("clone destination of session {}, not "
                                      "yet activated",
                                      s->info.id));
  Session& session = *s;
  sessions_.emplace(destination, std::move(s));
  record(session, command == "ACTIVE_COPY" ? "active copy" : "create", CloneState::none);
  if (with_precopy) {
    session.info.precopy_column = *table->allocate();
    session.info.os_copy.precopy = true;
    session.info.os_copy.op = CloneOp::precopy;
    session.info.os_copy.op_status = CloneOpStatus::in_progress;
    record(session, "precopy", CloneState::created);
  }
  dispatcher_.start(*tcb, copy_program(session.info.id, session.generation));
  if (activate_now) start_activate(session);
  return {CommandResult::ok,
          fmt::format("session {}: {}->{} {}, {} tracks to copy", session.info.id,
                      device_name(source), device_name(destination), to_string(state_of(session)),
                      table->count(session.info.clone_column))};
}

CommandStatus CloneService::precopy(const CommandBlock& b) {
  hardware_.control_store_work(kSessionAccesses);
  Session* s = find(b.secondary_volume);
  if (s == nullptr || s->info.os_copy.op_status == CloneOpStatus::failed ||
      state_of(*s) != CloneState::created) {
    return {CommandResult::invalid_state, refusal(s, b.secondary_volume, "PRECOPY")};
  }
  const std::optional<int> column = s->pb->allocate();
  if (!column) {
    return {CommandResult::no_resources,
            fmt::format("PRECOPY refused: {} has no free PB column for the precopy bits",
                        device_name(s->info.source))};
  }
  s->info.precopy_column = *column;
  s->info.os_copy.precopy = true;
  s->info.os_copy.op = CloneOp::precopy;
  s->info.os_copy.op_status = CloneOpStatus::in_progress;
  s->info.os_copy.time_stamp_ps = hardware_.now_ps();
  record(*s, "precopy", CloneState::created);
  return {CommandResult::ok, fmt::format("session {}: precopy", s->info.id)};
}

// Fig. 7. The flags change and the destination is ready at once; the
// point in time is the quiet point that follows within a write's time.
void CloneService::start_activate(Session& s) {
  const CloneState from = state_of(s);
  s.info.os_copy.precopy = false;
  s.info.os_copy.active = true;
  s.info.os_copy.op = CloneOp::activate;
  s.info.os_copy.op_status = CloneOpStatus::in_progress;
  s.info.os_copy.time_stamp_ps = hardware_.now_ps();
  s.activate_pending = true;
  hardware_.set_not_ready(s.info.os_copy.destination, false, "");
  record(s, "activate", from);
  const uint32_t id = s.info.id;
  const uint64_t generation = s.generation;
  gate_.at_quiet_point({s.info.source, s.info.os_copy.destination}, [this, id, generation] {
    Session* q = find(id, generation);
    if (q == nullptr) return;
    q->activate_pending = false;
    q->info.activate_point_ps = hardware_.now_ps();
    q->info.os_copy.op = CloneOp::copy;
    record(*q, "point in time", CloneState::active);
  });
}

CommandStatus CloneService::activate(const CommandBlock& b) {
  hardware_.control_store_work(kSessionAccesses);
  Session* s = find(b.secondary_volume);
  if (s == nullptr || s->info.os_copy.op_status == CloneOpStatus::failed) {
    return {CommandResult::invalid_state, refusal(s, b.secondary_volume, "ACTIVATE")};
  }
  if (s->info.os_copy.active) {
    return {CommandResult::invalid_state,
            fmt::format("ACTIVATE refused: session {} is already active", s->info.id)};
  }
  start_activate(*s);
  return {CommandResult::ok, fmt::format("session {}: active, {} tracks left to copy", s->info.id,
                                         s->pb->count(s->info.clone_column))};
}

CommandStatus CloneService::terminate(const CommandBlock& b) {
  hardware_.control_store_work(kSessionAccesses);
  Session* s = find(b.secondary_volume);
  if (s == nullptr) {
    return {CommandResult::invalid_state, refusal(s, b.secondary_volume, "TERMINATE")};
  }
  const CloneState from = state_of(*s);
  if (from == CloneState::active && s->info.os_copy.op_status != CloneOpStatus::failed) {
    return {CommandResult::invalid_state,
            fmt::format("TERMINATE refused: session {} is active with {} tracks still to copy; "
                        "terminate once it is copied",
                        s->info.id, s->pb->count(s->info.clone_column))};
  }
  const uint16_t source = s->info.source;
  const uint16_t destination = s->info.os_copy.destination;
  PbTable& table = *s->pb;
  table.release(s->info.clone_column);
  if (s->info.precopy_column >= 0) table.release(s->info.precopy_column);
  hardware_.control_store_work(2 * bitmap_words(table.tracks()));
  uint64_t bytes = s->ind.bytes();
  if (!table.any_in_use()) bytes += table.bytes();
  hardware_.release_control_store("clone PB and IND bits", bytes);
  if (!table.any_in_use()) pb_.erase(source);
  // A session never activated leaves its destination as precopy left it.
  hardware_.set_not_ready(destination, false, "");
  s->info.os_copy.op = CloneOp::terminate;
  s->info.os_copy.op_status = CloneOpStatus::completed;
  history_.append({hardware_.now_ps(), s->info.id, source, destination, "terminate",
                   std::string(to_string(from)), "terminated"});
  s->wake->notify_all();  // the copy program ends
  const uint32_t id = s->info.id;
  sessions_.erase(destination);
  return {CommandResult::ok, fmt::format("session {} terminated", id)};
}

CommandStatus CloneService::add_extent(const CommandBlock& b) {
  hardware_.control_store_work(kSessionAccesses);
  Session* s = find(b.secondary_volume);
  if (s == nullptr || s->info.os_copy.op_status == CloneOpStatus::failed ||
      state_of(*s) != CloneState::created) {
    return {CommandResult::invalid_state, refusal(s, b.secondary_volume, "ADD_EXTENT")};
  }
  if (s->whole_volume) {
    return {CommandResult::invalid_state,
            fmt::format("ADD_EXTENT refused: session {} copies the whole volume", s->info.id)};
  }
  const Extent e{b.parameters[0] >> 32, b.parameters[0] & 0xffffffffu};
  if (std::string why = check_extent(s, s->info.source, e, {}); !why.empty()) {
    return {CommandResult::bad_parameter, "ADD_EXTENT refused: " + why};
  }
  s->info.extents.push_back(e);
  cover(*s, e);
  return {CommandResult::ok,
          fmt::format("session {}: {} extents, {} tracks to copy", s->info.id,
                      s->info.extents.size(), s->pb->count(s->info.clone_column))};
}

CommandStatus CloneService::query(const CommandBlock& b) const {
  const auto info = session(b.secondary_volume);
  if (!info) {
    return {CommandResult::invalid_state, refusal(nullptr, b.secondary_volume, "QUERY_CLONE")};
  }
  return {CommandResult::ok,
          fmt::format("session {}: {}->{} {}, op {} {}, {} tracks to copy, {} precopied, {} "
                      "copied after activate{}",
                      info->id, device_name(info->source), device_name(info->os_copy.destination),
                      to_string(info->state), to_string(info->os_copy.op),
                      to_string(info->os_copy.op_status), info->tracks_to_copy, info->precopied,
                      info->copied_after_activate,
                      info->error.empty() ? "" : "; failed: " + info->error)};
}

void CloneService::set_pb_bit_for_test(uint16_t source, uint64_t track, int column) {
  pb_.at(source)->set(track, column);
}

}  // namespace copysim::fw
