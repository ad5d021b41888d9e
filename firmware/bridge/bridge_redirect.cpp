// The secondary side of a bridge: tracks landing on the data bridge are
// moved to the volume their header names, and the status of each move goes
// back to the primary on the status bridge, in its own time.
#include <algorithm>

#include "firmware/bridge/bridge_parts.h"

namespace copysim::fw {
namespace {

uint64_t track_key(uint16_t device, uint64_t track) { return (uint64_t{device} << 48) | track; }

}  // namespace

// A mover TCB serves arrivals until none is left. Two arrivals for the same
// final track are moved in the order they arrived.
Task BridgeService::move_tracks() {
  while (!arrivals_.empty()) {
    const RemoteArrival a = arrivals_.front();
    arrivals_.pop_front();
    const uint64_t key = track_key(a.header->final_device, a.header->final_track);
    while (moving_.count(key) != 0) co_await moved_->wait();
    moving_[key] = 1;
    co_await compute{config_.move_cycles_per_track};
    Bridge* b = find(a.device);
    const uint64_t slot = a.block / (b == nullptr ? 1 : b->blocks_per_track);
    hardware_call<std::string> move{dispatcher_, [this, a, slot](auto done) {
                                      dispatcher_.hardware().copy_track(
                                          a.device, slot, a.header->final_device,
                                          a.header->final_track, std::move(done));
                                    }};
    const std::string error = co_await move;
    moving_.erase(key);
    moved_->notify_all();
    if (!error.empty()) {
      dispatcher_.hardware().log(LogLevel::error, "bridge " + device_name(a.device) +
                                                      ": moving slot " + std::to_string(slot) +
                                                      " failed: " + error);
    }
    ++stats_.tracks_moved;
    if (b = find(a.device); b != nullptr && b->side == BridgeSide::secondary) {
      b->pending.push_back({static_cast<uint32_t>(slot), a.sequence, a.source_device,
                            a.header->final_device, static_cast<uint32_t>(a.header->final_track),
                            error.empty()});
      b->changed->notify_all();
    }
  }
}

// Writes pending status records, 20 a block, to this array's status bridge
// volume and sends each block to the primary's; a block that cannot be
// sent is sent again after the retry time. The data bridge does not wait
// for any of it.
Task BridgeService::send_status(uint16_t id, uint64_t generation) {
  Hardware& hw = dispatcher_.hardware();
  Bridge* b = find(id);
  ++b->tcbs;
  for (;;) {
    b = find(id);
    if (b->generation != generation) break;
    if (b->pending.empty()) {
      co_await b->changed->wait();
      continue;
    }
    const std::size_t n = std::min(b->pending.size(), kStatusRecordsPerBlock);
    const std::vector<StatusRecord> records(b->pending.begin(), b->pending.begin() + n);
    b->pending.erase(b->pending.begin(), b->pending.begin() + n);
    const uint64_t status_blocks = hw.tracks(b->status_bridge) * b->blocks_per_track;
    const uint64_t block = b->next_status_block++ % status_blocks;
    co_await compute{config_.status_cycles_per_record * n};
    hardware_call<std::string> write{
        dispatcher_, [this, device = b->status_bridge, block,
                      data = encode_status_block(records)](auto done) mutable {
          dispatcher_.hardware().write_blocks(device, block, std::move(data), std::move(done));
        }};
    const std::string written = co_await write;
    b = find(id);
    if (!written.empty()) {
      hw.log(LogLevel::error, name(*b) + ": status block not written: " + written);
      continue;
    }
    for (;;) {
      TrackSend s{b->status_bridge,
                  b->peer_status_bridge,
                  block / b->blocks_per_track,
                  b->status_link,
                  ++sequence_,
                  static_cast<uint32_t>(block % b->blocks_per_track),
                  1,
                  {},
                  {},
                  true};
      send_track sending{dispatcher_, s};
      const SendResult r = co_await sending;
      b = find(id);
      if (r.ok() || b->generation != generation) break;
      hw.log(LogLevel::warning, name(*b) + ": status block not sent (" + r.message +
                                    "), again in " + std::to_string(config_.status_retry_ps) +
                                    " ps");
      hardware_call<bool> later{dispatcher_, [&hw, this](auto done) {
                                  hw.start_timer(config_.status_retry_ps, [done] { done(true); });
                                }};
      co_await later;
      b = find(id);
    }
    ++stats_.status_blocks;
    stats_.status_records += n;
  }
  --b->tcbs;
}

}  // namespace copysim::fw
