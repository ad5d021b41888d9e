#include "firmware/remote_copy/remote_pairs.h"

#include <algorithm>

namespace copysim::fw {
std::string_view to_string(PairState state) {
  switch (state) {
    case PairState::simplex:
      return "simplex";
    case PairState::duplex_pending:
      return "duplex pending";
    case PairState::full_duplex:
      return "full duplex";
    case PairState::suspended:
      return "suspended";
  }
  return "unknown";
}

std::string_view to_string(SuspendReason reason) {
  switch (reason) {
    case SuspendReason::none:
      return "none";
    case SuspendReason::command:
      return "by command";
    case SuspendReason::link_failure:
      return "by link failure";
    case SuspendReason::error:
      return "by error";
  }
  return "unknown";
}

struct RemotePairService::Pair {
  uint16_t primary = 0;
  uint16_t secondary = 0;
  uint32_t blocks_per_track = 0;
  PairState state = PairState::simplex;
  SuspendReason reason = SuspendReason::none;
  TrackBitmap changed;
  std::unique_ptr<PairCopy> copy;
  // Tracks being sent to the secondary, by the copy or by mirrors: a track
  // is sent by one at a time, so the last to arrive carries the newest data.
  std::unordered_set<uint64_t> busy;
  std::unique_ptr<Event> freed;  // a busy track became free
  bool resume_scheduled = false;
  bool released = false;  // control store and protection given back
};

void RemotePairService::set_state(Pair& pair, PairState to, std::string event) {
  history_.append({dispatcher_.hardware().now_ps(), pair.primary, pair.primary, pair.secondary,
                   std::move(event), std::string(to_string(pair.state)),
                   std::string(to_string(to))});
  pair.state = to;
}

RemotePairService::RemotePairService(Dispatcher& dispatcher, TcbPool& masters, TcbPool& movers,
                                     LinkSelector& links, BlockTransferConfig copy,
                                     CommandProcessor& commands, uint32_t mirror_tcbs,
                                     uint64_t mirror_cycles)
    : dispatcher_(dispatcher),
      masters_(masters),
      movers_(movers),
      links_(links),
      copy_config_(copy),
      mirror_cycles_(mirror_cycles),
      mirrors_(dispatcher, "mirrors", mirror_tcbs) {
  commands.add(kEstablishPath, "ESTABLISH_PATH",
               [this](const auto& b) { return establish_path(b); });
  commands.add(kRemovePath, "REMOVE_PATH", [this](const auto& b) { return remove_path(b); });
  commands.add(kEstablishPair, "ESTABLISH_PAIR",
               [this](const auto& b) { return establish_pair(b); });
  commands.add(kSuspendPair, "SUSPEND_PAIR", [this](const auto& b) { return suspend_pair(b); });
  commands.add(kResumePair, "RESUME_PAIR", [this](const auto& b) { return resume_pair(b); });
  commands.add(kTerminatePair, "TERMINATE_PAIR",
               [this](const auto& b) { return terminate_pair(b); });
  commands.add(kQueryPair, "QUERY_PAIR", [this](const auto& b) { return query_pair(b); });
  commands.add(kSecondaryDataLost, "SECONDARY_DATA_LOST",
               [this](const auto& b) { return secondary_data_lost(b); });
}

RemotePairService::~RemotePairService() {
  for (auto& [primary, pair] : pairs_) {
    dispatcher_.hardware().release_control_store("pair change bitmaps", pair->changed.bytes());
  }
  for (auto& pair : terminating_) {
    if (!pair->released) release(*pair);
  }
}

RemotePairService::Pair* RemotePairService::find(uint16_t primary) const {
  auto it = pairs_.find(primary);
  return it == pairs_.end() ? nullptr : it->second.get();
}

PairState RemotePairService::state(uint16_t primary) const {
  const Pair* p = find(primary);
  return p == nullptr ? PairState::simplex : p->state;
}

SuspendReason RemotePairService::reason(uint16_t primary) const {
  const Pair* p = find(primary);
  return p == nullptr ? SuspendReason::none : p->reason;
}

uint64_t RemotePairService::out_of_sync_tracks(uint16_t primary) const {
  const Pair* p = find(primary);
  return p == nullptr ? 0 : p->changed.count();
}

const PairCopy* RemotePairService::last_copy(uint16_t primary) const {
  const Pair* p = find(primary);
  return p == nullptr ? nullptr : p->copy.get();
}

void RemotePairService::retire(std::unique_ptr<PairCopy> copy) {
  collect();
  if (copy && !copy->finished()) retired_.push_back(std::move(copy));
}

void RemotePairService::collect() {
  std::erase_if(retired_, [](const auto& t) { return t->finished(); });
  std::erase_if(terminating_, [](const auto& p) { return p->copy->finished(); });
}

void RemotePairService::mark(Pair& pair, uint64_t first_block, uint32_t blocks) {
  if (blocks == 0) return;
  const uint64_t last = (first_block + blocks - 1) / pair.blocks_per_track;
  for (uint64_t t = first_block / pair.blocks_per_track; t <= last; ++t) pair.changed.set(t);
}

// The copy runs over the pair's change bitmap; when it has sent every
// marked track with nothing in flight, the pair is in full duplex.
bool RemotePairService::start_copy(Pair& pair) {
  std::unique_ptr<PairCopy> copy;
  if (sync_queue_ != nullptr && sync_queue_->carries(pair.primary)) {
    // The callback may name the copy only once it exists: it is called
    // later, from the bridge's TCB, never from enqueue itself.
    auto self = std::make_shared<const PairCopy*>(nullptr);
    copy = sync_queue_->enqueue({pair.primary, pair.secondary, &pair.changed, &pair.busy},
                                [this, self](TransferOutcome o) { copy_finished(*self, o); });
    *self = copy.get();
  } else {
    auto transfer =
        std::make_unique<BlockTransfer>(dispatcher_, masters_, movers_, links_, copy_config_);
    const PairCopy* self = transfer.get();
    const bool started =
        transfer->start({pair.primary, pair.secondary, 0, 0, &pair.changed, &pair.busy},
                        [this, self](TransferOutcome o) { copy_finished(self, o); });
    if (!started) return false;
    copy = std::move(transfer);
  }
  retire(std::move(pair.copy));
  pair.copy = std::move(copy);
  set_state(pair, PairState::duplex_pending, "copy started");
  pair.reason = SuspendReason::none;
  return true;
}

void RemotePairService::copy_finished(const PairCopy* copy, TransferOutcome o) {
  // A terminated pair lived on for its copy: now its resources can go.
  // (The pair and its copy are deleted later, by collect(): this runs
  // inside the copy's own master.)
  for (auto& p : terminating_) {
    if (p->copy.get() == copy) {
      release(*p);
      return;
    }
  }
  for (auto& [primary, p] : pairs_) {
    if (p->copy.get() != copy || p->state != PairState::duplex_pending) continue;
    if (o == TransferOutcome::complete) {
      set_state(*p, PairState::full_duplex, "copy complete");
      p->reason = SuspendReason::none;
    } else if (o == TransferOutcome::failed) {
      if (copy->failure_status() == SendStatus::link_down) {
        suspend_for_link_failure(*p);
      } else {
        suspend_for_error(*p, copy->failure());
      }
    }
    return;
  }
}

void RemotePairService::release(Pair& pair) {
  pair.released = true;
  dispatcher_.hardware().release_control_store("pair change bitmaps", pair.changed.bytes());
  dispatcher_.hardware().set_secondary_write_protect(pair.secondary, false);
}

bool RemotePairService::secondary_in_use(uint16_t secondary) const {
  for (const auto& [primary, p] : pairs_) {
    if (p->secondary == secondary) return true;
  }
  for (const auto& p : terminating_) {
    if (p->secondary == secondary) return true;
  }
  return false;
}

CommandStatus RemotePairService::establish_path(const CommandBlock& b) {
  collect();
  if (path_) return {CommandResult::invalid_state, "ESTABLISH_PATH refused: a path is established"};
  const uint32_t links = links_.links();
  const uint64_t mask = b.parameters[0] == 0 ? (uint64_t{1} << links) - 1 : b.parameters[0];
  if (dispatcher_.hardware().links() == 0 || mask >> links != 0) {
    return {CommandResult::bad_parameter, "ESTABLISH_PATH refused: link mask " +
                                              std::to_string(b.parameters[0]) +
                                              " names links the "
                                              "array does not have (" +
                                              std::to_string(dispatcher_.hardware().links()) + ")"};
  }
  for (uint32_t i = 0; i < links; ++i) links_.set_enabled(i, (mask >> i) & 1u);
  path_ = true;
  return {CommandResult::ok, "path established over link mask " + std::to_string(mask)};
}

CommandStatus RemotePairService::remove_path(const CommandBlock&) {
  collect();
  if (!path_) return {CommandResult::invalid_state, "REMOVE_PATH refused: no path is established"};
  if (!pairs_.empty()) {
    return {CommandResult::invalid_state,
            "REMOVE_PATH refused: " + std::to_string(pairs_.size()) + " pairs use the path"};
  }
  path_ = false;
  return {CommandResult::ok, "path removed"};
}

CommandStatus RemotePairService::establish_pair(const CommandBlock& b) {
  collect();
  Hardware& hw = dispatcher_.hardware();
  if (!path_) {
    return {CommandResult::invalid_state, "ESTABLISH_PAIR refused: no path is established"};
  }
  const uint64_t tracks = hw.tracks(b.primary_volume);
  if (tracks == 0) {
    return {CommandResult::bad_parameter,
            "ESTABLISH_PAIR refused: no volume " + device_name(b.primary_volume)};
  }
  if (const Pair* p = find(b.primary_volume)) {
    return {CommandResult::invalid_state, "ESTABLISH_PAIR refused: volume " +
                                              device_name(b.primary_volume) + " is " +
                                              std::string(to_string(p->state))};
  }
  if (sync_queue_ != nullptr && sync_queue_->is_bridge_volume(b.primary_volume)) {
    return {
        CommandResult::invalid_state,
        "ESTABLISH_PAIR refused: volume " + device_name(b.primary_volume) + " is a bridge volume"};
  }
  if (secondary_in_use(b.secondary_volume)) {
    return {CommandResult::invalid_state, "ESTABLISH_PAIR refused: volume " +
                                              device_name(b.secondary_volume) +
                                              " is the secondary of another pair"};
  }
  auto pair = std::make_unique<Pair>();
  pair->freed = std::make_unique<Event>(dispatcher_);
  pair->primary = b.primary_volume;
  pair->secondary = b.secondary_volume;
  pair->blocks_per_track = hw.blocks_per_track(b.primary_volume);
  pair->changed = TrackBitmap(tracks);
  if (!hw.allocate_control_store("pair change bitmaps", pair->changed.bytes())) {
    return {CommandResult::no_resources, "ESTABLISH_PAIR refused: no control store for its bitmap"};
  }
  const bool no_copy = b.parameters[0] == 1;
  if (no_copy) {
    set_state(*pair, PairState::full_duplex, "establish (no copy)");
  } else {
    pair->changed.set_range(0, tracks);
    if (!start_copy(*pair)) {
      hw.release_control_store("pair change bitmaps", pair->changed.bytes());
      return {CommandResult::no_resources, "ESTABLISH_PAIR refused: no master TCB free"};
    }
  }
  const std::string state(to_string(pair->state));
  hw.set_secondary_write_protect(b.secondary_volume, true);
  pairs_[b.primary_volume] = std::move(pair);
  return {CommandResult::ok, "pair " + device_name(b.primary_volume) + " -> " +
                                 device_name(b.secondary_volume) + " " + state};
}

CommandStatus RemotePairService::suspend_pair(const CommandBlock& b) {
  Pair* p = find(b.primary_volume);
  if (p == nullptr || p->state == PairState::suspended) {
    return {CommandResult::invalid_state,
            "SUSPEND_PAIR refused: volume " + device_name(b.primary_volume) + " is " +
                std::string(to_string(p == nullptr ? PairState::simplex : p->state))};
  }
  if (p->state == PairState::duplex_pending && p->copy) p->copy->stop();
  set_state(*p, PairState::suspended, "suspend");
  p->reason = SuspendReason::command;
  return {CommandResult::ok, "pair " + device_name(p->primary) + " suspended"};
}

CommandStatus RemotePairService::resume_pair(const CommandBlock& b) {
  Pair* p = find(b.primary_volume);
  if (p == nullptr || p->state != PairState::suspended) {
    return {CommandResult::invalid_state,
            "RESUME_PAIR refused: volume " + device_name(b.primary_volume) + " is " +
                std::string(to_string(p == nullptr ? PairState::simplex : p->state))};
  }
  if (p->copy && !p->copy->finished()) {
    return {CommandResult::invalid_state, "RESUME_PAIR refused: volume " + device_name(p->primary) +
                                              " is suspended and its copy is still stopping"};
  }
  if (!start_copy(*p)) {
    return {CommandResult::no_resources, "RESUME_PAIR refused: no master TCB free"};
  }
  return {CommandResult::ok, "pair " + device_name(p->primary) + " duplex pending: " +
                                 std::to_string(p->changed.count()) + " tracks to copy"};
}

CommandStatus RemotePairService::terminate_pair(const CommandBlock& b) {
  collect();
  auto it = pairs_.find(b.primary_volume);
  if (it == pairs_.end()) {
    return {CommandResult::invalid_state,
            "TERMINATE_PAIR refused: volume " + device_name(b.primary_volume) + " is simplex"};
  }
  std::unique_ptr<Pair> p = std::move(it->second);
  pairs_.erase(it);
  set_state(*p, PairState::simplex, "terminate");
  if (p->copy && !p->copy->finished()) p->copy->stop();
  if (p->copy && !p->copy->finished()) {
    // Its copy still has sends in flight that use the bitmap: the pair lives
    // on, out of sight, until the copy has ended.
    terminating_.push_back(std::move(p));
  } else {
    release(*p);
  }
  return {CommandResult::ok, "pair " + device_name(b.primary_volume) + " terminated: simplex"};
}

void RemotePairService::volumes_lost_data(const std::vector<uint16_t>& devices) {
  for (uint16_t device : devices) report_data_lost(device, 100);
}

void RemotePairService::report_data_lost(uint16_t device, uint32_t attempts_left) {
  dispatcher_.hardware().peer_command(
      encode(CommandBlock{kSecondaryDataLost, 0, device, {}}),
      [this, device, attempts_left](std::vector<uint8_t> reply) {
        if (!reply.empty()) return;  // delivered (a volume in no pair gets invalid_state)
        if (attempts_left == 0) {
          dispatcher_.hardware().log(LogLevel::error,
                                     "could not report that " + device_name(device) + " lost data");
          return;
        }
        dispatcher_.hardware().start_timer(
            copy_config_.link_retry_ps + 1,
            [this, device, attempts_left] { report_data_lost(device, attempts_left - 1); });
      });
}

CommandStatus RemotePairService::secondary_data_lost(const CommandBlock& b) {
  for (auto& [primary, p] : pairs_) {
    if (p->secondary != b.secondary_volume) continue;
    for (uint64_t t = 0; t < p->changed.size(); ++t) p->changed.set(t);
    history_.append({dispatcher_.hardware().now_ps(), p->primary, p->primary, p->secondary,
                     "secondary lost data", std::string(to_string(p->state)),
                     std::string(to_string(p->state))});
    dispatcher_.hardware().log(LogLevel::warning, "pair " + device_name(p->primary) +
                                                      ": the secondary lost data; copying all " +
                                                      std::to_string(p->changed.size()) +
                                                      " tracks");
    if (p->state == PairState::duplex_pending && p->copy) p->copy->wake();
    if (p->state == PairState::full_duplex && !start_copy(*p)) {
      // No master TCB to copy with: the pair must not claim equality.
      suspend_for_error(*p, "the secondary lost data and no copy could start");
    }
    return {CommandResult::ok, "pair " + device_name(p->primary) + ": copying all tracks again"};
  }
  return {CommandResult::invalid_state,
          "SECONDARY_DATA_LOST: " + device_name(b.secondary_volume) + " is no pair's secondary"};
}

CommandStatus RemotePairService::query_pair(const CommandBlock& b) const {
  const Pair* p = find(b.primary_volume);
  if (p == nullptr)
    return {CommandResult::ok, "volume " + device_name(b.primary_volume) + " simplex"};
  std::string m = "volume " + device_name(p->primary) + " " + std::string(to_string(p->state)) +
                  " with " + device_name(p->secondary);
  if (p->state == PairState::suspended) m += " (" + std::string(to_string(p->reason)) + ")";
  m += "; " + std::to_string(p->changed.count()) + " tracks out of sync";
  return {CommandResult::ok, m};
}

void RemotePairService::suspend_for_link_failure(Pair& pair) {
  set_state(pair, PairState::suspended, "link failure");
  pair.reason = SuspendReason::link_failure;
  dispatcher_.hardware().log(
      LogLevel::warning, "pair " + device_name(pair.primary) + " suspended: no link carries it");
  if (pair.resume_scheduled) return;
  pair.resume_scheduled = true;
  const uint16_t primary = pair.primary;
  dispatcher_.hardware().start_timer(copy_config_.link_retry_ps + 1,
                                     [this, primary] { resume_after_link_failure(primary); });
}

void RemotePairService::suspend_for_error(Pair& pair, const std::string& why) {
  set_state(pair, PairState::suspended, "error: " + why);
  pair.reason = SuspendReason::error;
  dispatcher_.hardware().log(LogLevel::error,
                             "pair " + device_name(pair.primary) + " suspended by error: " + why);
}

void RemotePairService::resume_after_link_failure(uint16_t primary) {
  Pair* p = find(primary);
  if (p == nullptr) return;  // terminated meanwhile
  p->resume_scheduled = false;
  if (p->state != PairState::suspended || p->reason != SuspendReason::link_failure) {
    return;  // resumed, or suspended by command, meanwhile
  }
  if ((p->copy && !p->copy->finished()) || !start_copy(*p)) {
    p->resume_scheduled = true;
    // Still winding down, or no master TCB: try again later.
    dispatcher_.hardware().start_timer(copy_config_.link_retry_ps,
                                       [this, primary] { resume_after_link_failure(primary); });
  }
}

void RemotePairService::host_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                                   std::function<void()> done) {
  Pair* p = find(device);
  if (p == nullptr) {
    done();
    return;
  }
  if (p->state != PairState::full_duplex) {
    mark(*p, first_block, blocks);  // sent by the running copy, or by the resync
    done();
    return;
  }
  MirrorRequest request{device, first_block, blocks, std::move(done)};
  if (Tcb* tcb = mirrors_.allocate()) {
    dispatcher_.start(*tcb, mirror(std::move(request)));
  } else {
    waiting_mirrors_.push_back(std::move(request));
  }
}

// Sends a full-duplex write to the secondary, track by track, before the
// host gets its status. What cannot be sent is marked, and the pair
// suspends by link failure. A mirror TCB serves waiting writes before it
// returns to its pool.
Task RemotePairService::mirror(MirrorRequest request) {
  for (;;) {
    co_await compute{mirror_cycles_};
    const uint64_t end = request.first_block + request.blocks;
    uint64_t block = request.first_block;
    for (Pair* p = find(request.primary);
         p != nullptr && p->state == PairState::full_duplex && block < end;
         p = find(request.primary)) {
      const uint32_t bpt = p->blocks_per_track;
      const uint64_t track = block / bpt;
      const auto first = static_cast<uint32_t>(block % bpt);
      const auto n = static_cast<uint32_t>(std::min<uint64_t>(bpt - first, end - block));
      // One sender per track at a time (the copy or another mirror may hold it).
      while (p != nullptr && p->busy.count(track)) {
        co_await p->freed->wait();
        p = find(request.primary);
      }
      if (p == nullptr || p->state != PairState::full_duplex) continue;
      p->busy.insert(track);
      bool sent = false;
      SendResult last;
      for (uint32_t attempt = 0; attempt < copy_config_.attempts_per_track && !sent; ++attempt) {
        const int32_t best = links_.most_efficient();
        if (best < 0) break;
        const auto link = static_cast<uint32_t>(best);
        const uint32_t ahead = links_.started(link);
        send_track sending{
            dispatcher_,
            TrackSend{p->primary, p->secondary, track, link, sequence_++, first, n, {}, {}, true}};
        const SendResult r = co_await sending;
        last = r;
        if (r.ok()) {
          links_.completed(link, r.bytes, r.response_ps, ahead);
          sent = true;
        } else {
          links_.failed(link);
          if (r.status == SendStatus::link_down) {
            report_link_down(links_, dispatcher_.hardware(), link, copy_config_.link_retry_ps);
          }
        }
        if (find(request.primary) != p) break;  // terminated meanwhile
      }
      if (Pair* q = find(request.primary); q == p) {
        p->busy.erase(track);
        p->freed->notify_all();
        if (p->copy) p->copy->wake();
      }
      if (!sent) {
        if (Pair* q = find(request.primary); q != nullptr && q->state == PairState::full_duplex) {
          // No link at all, or links that went down: a link failure. A
          // secondary refusing the write is an error.
          if (last.status == SendStatus::good || last.status == SendStatus::link_down) {
            suspend_for_link_failure(*q);
          } else {
            suspend_for_error(*q, last.message);
          }
        }
        break;
      }
      block += n;
    }
    if (Pair* p = find(request.primary); p != nullptr && block < end) {
      mark(*p, block, static_cast<uint32_t>(end - block));
    } else if (block >= end) {
      ++mirrored_writes_;
    }
    request.done();
    if (waiting_mirrors_.empty()) break;
    request = std::move(waiting_mirrors_.front());
    waiting_mirrors_.pop_front();
  }
}

}  // namespace copysim::fw
