// Transferring a block of data (a run of tracks, e.g. a volume's initial
// copy) to the secondary, as seed 000 claims it:
//
// - a master TCB supervises; it hands each track to a data-mover TCB taken
//   from the data-mover pool, so that many tracks are in flight at once
//   (piped);
// - when no data mover can be had, the master itself sends the next track
//   and waits for it (serial), and goes back to piped as soon as a data
//   mover can be had again;
// - each data mover is released when its track's transfer succeeds;
// - tracks go in groups; each group goes to the link the LinkSelector
//   finds most efficient when the group starts, after the previous group
//   completed or overlapping it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

#include "firmware/remote_copy/link_selector.h"
#include "firmware/remote_copy/pair_copy.h"
#include "firmware/remote_copy/track_bitmap.h"
#include "firmware/runtime/dispatcher.h"

namespace copysim::fw {

struct BlockTransferConfig {
  uint32_t max_data_movers = 64;  // data movers one master keeps in flight
  uint32_t group_tracks = 16;
  GroupStart group_start = GroupStart::overlapped;
  uint64_t master_cycles_per_track = 2000;
  uint64_t mover_cycles_per_track = 3000;
  uint32_t attempts_per_track = 4;          // sends of a track before the transfer fails
  uint64_t link_retry_ps = 10'000'000'000;  // a link reported down is tried again after 10 ms
};

struct BlockTransferRequest {
  uint16_t source_device = 0;
  uint16_t target_device = 0;
  uint64_t first_track = 0;
  uint64_t tracks = 0;
  // If given, the tracks to send are this bitmap's set bits instead of the
  // range (a pair's changed tracks): a track's bit is cleared when it is
  // handed out and set again if its send fails, and bits set while the
  // transfer runs are sent too. It must outlive the transfer.
  TrackBitmap* bitmap = nullptr;
  // If given, the tracks being sent to the secondary by anyone (this copy
  // and others, e.g. synchronous writes): a busy track is not sent until it
  // is free, so an older copy of it cannot arrive after a newer one.
  std::unordered_set<uint64_t>* busy = nullptr;
};

enum class TransferMode { piped, serial };

struct BlockTransferStats {
  uint64_t tracks_done = 0;
  uint64_t tracks_piped = 0;
  uint64_t tracks_serial = 0;
  uint64_t to_serial = 0;  // switches from piped to serial
  uint64_t to_piped = 0;   // and back
  uint64_t resends = 0;
  uint64_t bytes = 0;
  uint32_t movers_peak = 0;
  uint64_t start_ps = 0;
  uint64_t end_ps = 0;
};

class BlockTransfer final : public PairCopy {
 public:
  BlockTransfer(Dispatcher& dispatcher, TcbPool& masters, TcbPool& movers, LinkSelector& links,
                BlockTransferConfig config);

  // Starts the master TCB. False (nothing started) when no master TCB is free.
  bool start(const BlockTransferRequest& request, std::function<void(TransferOutcome)> done = {});

  TransferOutcome outcome() const override { return outcome_; }
  // The master has ended: no TCB of this transfer runs any more.
  bool finished() const override { return finished_; }
  void stop() override;
  void wake() override { progress_.notify_all(); }
  const std::string& failure() const override { return failure_; }
  // Why the last track that failed it failed (link_down when no link was up).
  SendStatus failure_status() const override { return failure_status_; }
  uint64_t tracks_copied() const override { return stats_.tracks_done; }
  TransferMode mode() const { return mode_; }
  const BlockTransferStats& stats() const { return stats_; }
  const BlockTransferRequest& request() const { return request_; }

 private:
  Task master();
  Task data_mover(uint64_t track, uint32_t link, uint64_t group, uint32_t ahead);
  TrackSend request_for(uint64_t track, uint32_t link);
  // The next marked track from `cursor` on that is not being sent.
  std::optional<uint64_t> next_track(uint64_t cursor) const;
  // After a send of `track`, assigned to `link` with `ahead` tracks already
  // in flight there: true to send it again (on `link`, which moves to
  // another link if its own went down, and `ahead` with it); false when it
  // is done or the transfer has failed.
  bool send_again(const SendResult& result, uint64_t track, uint32_t& link, uint32_t attempt,
                  uint32_t& ahead);
  void track_done(uint64_t group, uint64_t track, const SendResult& result);
  void set_mode(TransferMode mode);
  void fail(std::string why);

  Dispatcher& dispatcher_;
  TcbPool& masters_;
  TcbPool& movers_;
  LinkSelector& links_;
  BlockTransferConfig config_;
  BlockTransferRequest request_;
  std::function<void(TransferOutcome)> done_;
  TransferOutcome outcome_ = TransferOutcome::running;
  bool finished_ = false;
  std::string failure_;
  SendStatus failure_status_ = SendStatus::good;
  TransferMode mode_ = TransferMode::piped;
  uint32_t movers_in_flight_ = 0;
  uint64_t current_group_ = 0;
  std::vector<uint32_t> group_outstanding_;  // tracks not yet done, by group
  TrackBitmap own_bitmap_;                   // the range, when no bitmap is given
  std::unordered_set<uint64_t> own_busy_;
  std::unordered_set<uint64_t>* busy_ = nullptr;
  TrackBitmap* bitmap_ = nullptr;
  uint32_t sequence_ = 0;
  Event progress_;
  BlockTransferStats stats_;
};

}  // namespace copysim::fw
