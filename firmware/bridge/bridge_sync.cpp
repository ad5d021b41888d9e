// The primary side of a bridge: the volume synchronization queue, the
// internal snapshot, the sends through the secondary data bridge's slots,
// and the status that comes back on the status bridge.
#include <algorithm>
#include <stdexcept>

#include "firmware/bridge/bridge_parts.h"

namespace copysim::fw {

bool BridgeService::carries(uint16_t primary) const {
  const uint32_t bpt = dispatcher_.hardware().blocks_per_track(primary);
  return std::any_of(bridges_.begin(), bridges_.end(), [bpt](const auto& kv) {
    const Bridge& b = *kv.second;
    return b.side == BridgeSide::primary && b.state == BridgeState::established &&
           b.blocks_per_track == bpt;
  });
}

std::unique_ptr<PairCopy> BridgeService::enqueue(const PairCopyRequest& request,
                                                 std::function<void(TransferOutcome)> done) {
  auto job = std::make_unique<Job>(*this, request, std::move(done), dispatcher_);
  queue_.push_back(job.get());
  queued_->notify_all();
  return job;
}

void BridgeService::forget(Job* job) {
  std::erase(queue_, job);
  for (auto& [id, b] : bridges_) {
    if (b->job == job) b->job = nullptr;
    for (Slot& s : b->slots) {
      if (s.job == job) s.job = nullptr;  // its status will be stale
    }
  }
}

void BridgeService::remote_write_arrived(const RemoteArrival& a) {
  if (Bridge* b = find_by_status(a.device); b != nullptr && b->side == BridgeSide::primary) {
    for (uint64_t i = 0; i < a.blocks; ++i) b->status_inbox.push_back(a.block + i);
    b->changed->notify_all();
    return;
  }
  Bridge* b = find(a.device);
  if (b == nullptr || b->side != BridgeSide::secondary || !a.header) return;  // not a bridge's
  arrivals_.push_back(a);
  if (Tcb* tcb = movers_.allocate()) dispatcher_.start(*tcb, move_tracks());
}

// One bridge's sync worker: takes the next volume from the queue and keeps
// snapping and sending its marked tracks until none is left.
Task BridgeService::serve(uint16_t id, uint64_t generation) {
  Hardware& hw = dispatcher_.hardware();
  Bridge* b = find(id);
  ++b->tcbs;
  for (;;) {
    b = find(id);
    if (b->generation != generation) break;
    if (queue_.empty()) {
      co_await queued_->wait();
      continue;
    }
    Job* job = queue_.front();
    queue_.pop_front();
    job->running_ = true;
    b->job = job;
    stats_.syncing_peak = std::max(stats_.syncing_peak, ++syncing_);
    TransferOutcome outcome = TransferOutcome::complete;
    TrackBitmap& changed = *job->request_.changed;
    for (;;) {
      if (job->stopping_) {
        outcome = TransferOutcome::stopped;
        break;
      }
      // The internal snapshot: a pointer to each marked track that no one
      // is sending, onto the primary bridge; the host goes on writing, and
      // what it writes now is marked for the next round.
      std::vector<uint64_t> pointers;
      for (uint64_t from = 0; from < changed.size();) {
        const auto t = changed.next_set(from);
        if (!t || *t < from) break;
        if (job->request_.busy == nullptr || job->request_.busy->count(*t) == 0) {
          pointers.push_back(*t);
        }
        from = *t + 1;
      }
      if (pointers.empty()) {
        if (changed.count() == 0) break;  // synchronized
        co_await job->progress_.wait();   // only tracks others are sending
        continue;
      }
      const uint64_t map_bytes = pointers.size() * 16;
      if (!hw.allocate_control_store("bridge snapshot maps", map_bytes)) {
        job->fail({SendStatus::target_error, 0, 0, "no control store for a snapshot map"});
        outcome = TransferOutcome::failed;
        break;
      }
      for (uint64_t t : pointers) changed.clear(t);
      ++stats_.rounds;
      co_await compute{config_.snapshot_cycles_per_track * pointers.size()};
      std::size_t sent = 0;
      while (sent < pointers.size() && !job->stopping_ && job->failure_.empty()) {
        if (find(id)->free_slots == 0) {
          co_await find(id)->changed->wait();  // a status frees a slot
          continue;
        }
        co_await compute{config_.send_cycles_per_track};
        send_slot(*find(id), *job, pointers[sent++]);
      }
      for (; sent < pointers.size(); ++sent) changed.set(pointers[sent]);  // not sent: marked
      while (job->in_flight_ > 0) co_await job->progress_.wait();
      hw.release_control_store("bridge snapshot maps", map_bytes);
      if (!job->failure_.empty()) {
        outcome = TransferOutcome::failed;
        break;
      }
    }
    b = find(id);
    b->job = nullptr;
    --syncing_;
    if (outcome == TransferOutcome::complete) ++stats_.volumes_synchronized;
    job->finish(outcome);  // the pair may go full duplex here
  }
  --b->tcbs;
}

void BridgeService::send_slot(Bridge& b, Job& job, uint64_t track) {
  auto slot = static_cast<uint32_t>(b.next_slot);
  while (b.slots[slot].sequence != 0) {
    slot = static_cast<uint32_t>((slot + 1) % b.slots.size());
  }
  b.next_slot = (slot + 1) % b.slots.size();
  --b.free_slots;
  const uint32_t sequence = ++sequence_;  // never 0, which marks a free slot
  b.slots[slot] = {&job, track, sequence};
  ++job.in_flight_;
  ++stats_.tracks_sent;
  const TrackSend send{job.request_.primary,
                       b.peer_data_bridge,
                       track,
                       b.data_link,
                       sequence,
                       0,
                       0,
                       slot,
                       BridgeHeader{job.request_.secondary, track}};
  const uint16_t id = b.data_bridge;
  dispatcher_.hardware().send_track(send, [this, id, slot, sequence](const SendResult& r) {
    if (r.ok()) return;  // the status bridge tells how it ended
    Bridge* x = find(id);
    if (x == nullptr || x->slots[slot].sequence != sequence) return;
    // The track may have reached the secondary before the link failed, and
    // be moved later: the slot is not reused before its status comes back
    // (or the bridge is removed), and the track is marked to go again.
    if (Job* j = x->slots[slot].job) {
      j->fail(r);
      j->request_.changed->set(x->slots[slot].track);
      --j->in_flight_;
      j->progress_.notify_all();
    }
    x->slots[slot].job = nullptr;
  });
}

// Reads each status block that arrives on the status bridge and gives the
// slots it names back.
Task BridgeService::read_status(uint16_t id, uint64_t generation) {
  Bridge* b = find(id);
  ++b->tcbs;
  for (;;) {
    b = find(id);
    if (b->generation != generation) break;
    if (b->status_inbox.empty()) {
      co_await b->changed->wait();
      continue;
    }
    const uint64_t block = b->status_inbox.front();
    b->status_inbox.pop_front();
    using Read = std::pair<std::vector<uint8_t>, std::string>;
    hardware_call<Read> read{dispatcher_, [this, device = b->status_bridge, block](auto done) {
                               dispatcher_.hardware().read_blocks(
                                   device, block, 1,
                                   [done](std::vector<uint8_t> data, std::string error) {
                                     done(Read{std::move(data), std::move(error)});
                                   });
                             }};
    const Read got = co_await read;
    b = find(id);
    std::vector<StatusRecord> records;
    try {
      if (!got.second.empty()) throw std::invalid_argument(got.second);
      records = decode_status_block(got.first);
    } catch (const std::invalid_argument& e) {
      dispatcher_.hardware().log(
          LogLevel::error,
          name(*b) + ": status block " + std::to_string(block) + " unreadable: " + e.what());
      continue;
    }
    if (stats_.status_blocks++ == 0) stats_.sent_before_first_status = stats_.tracks_sent;
    co_await compute{config_.status_cycles_per_record * records.size()};
    b = find(id);
    for (const StatusRecord& r : records) apply(*b, r);
  }
  --b->tcbs;
}

void BridgeService::apply(Bridge& b, const StatusRecord& r) {
  ++stats_.status_records;
  if (r.bridge_track >= b.slots.size() || b.slots[r.bridge_track].sequence != r.sequence) {
    ++stats_.stale_records;
    return;
  }
  Slot& slot = b.slots[r.bridge_track];
  if (Job* job = slot.job) {
    if (r.good) {
      ++job->copied_;
    } else {
      job->request_.changed->set(slot.track);
      job->fail({SendStatus::target_error, 0, 0,
                 "the secondary could not move track " + std::to_string(r.final_track) +
                     " to volume " + device_name(r.final_device)});
    }
    --job->in_flight_;
    job->progress_.notify_all();
  }
  free_slot(b, r.bridge_track);
}

void BridgeService::free_slot(Bridge& b, uint32_t slot) {
  b.slots[slot] = {};
  ++b.free_slots;
  b.changed->notify_all();
}

}  // namespace copysim::fw
