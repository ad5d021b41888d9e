#include "firmware/remote_copy/block_transfer.h"

#include <algorithm>
#include <stdexcept>

namespace copysim::fw {

BlockTransfer::BlockTransfer(Dispatcher& dispatcher, TcbPool& masters, TcbPool& movers,
                             LinkSelector& links, BlockTransferConfig config)
    : dispatcher_(dispatcher),
      masters_(masters),
      movers_(movers),
      links_(links),
      config_(config),
      progress_(dispatcher) {
  if (config.group_tracks == 0 || config.attempts_per_track == 0 || config.max_data_movers == 0) {
    throw std::invalid_argument(
        "block transfer: group_tracks, attempts_per_track and max_data_movers must be >= 1");
  }
}

bool BlockTransfer::start(const BlockTransferRequest& request,
                          std::function<void(TransferOutcome)> done) {
  Tcb* tcb = masters_.allocate();
  if (tcb == nullptr) return false;
  request_ = request;
  if (request.bitmap != nullptr) {
    bitmap_ = request.bitmap;
    request_.tracks = bitmap_->count();
  } else {
    own_bitmap_ = TrackBitmap(request.first_track + request.tracks);
    own_bitmap_.set_range(request.first_track, request.tracks);
    bitmap_ = &own_bitmap_;
  }
  busy_ = request.busy != nullptr ? request.busy : &own_busy_;
  done_ = std::move(done);
  dispatcher_.start(*tcb, master());
  return true;
}

TrackSend BlockTransfer::request_for(uint64_t track, uint32_t link) {
  TrackSend send;
  send.source_device = request_.source_device;
  send.target_device = request_.target_device;
  send.track = track;
  send.link = link;
  send.sequence = sequence_++;
  return send;
}

void BlockTransfer::set_mode(TransferMode mode) {
  if (mode == mode_) return;
  ++(mode == TransferMode::serial ? stats_.to_serial : stats_.to_piped);
  mode_ = mode;
  dispatcher_.hardware().log(LogLevel::debug, mode == TransferMode::serial
                                                  ? "no data mover free: master sends serially"
                                                  : "data movers free again: piped");
}

void BlockTransfer::fail(std::string why) {
  if (outcome_ != TransferOutcome::running) return;
  outcome_ = TransferOutcome::failed;
  failure_ = std::move(why);
  dispatcher_.hardware().log(LogLevel::error, "block transfer failed: " + failure_);
}

bool BlockTransfer::send_again(const SendResult& r, uint64_t track, uint32_t& link,
                               uint32_t attempt, uint32_t& ahead) {
  if (r.ok()) {
    links_.completed(link, r.bytes, r.response_ps, ahead);
    return false;
  }
  links_.failed(link);
  if (r.status == SendStatus::link_down) {
    report_link_down(links_, dispatcher_.hardware(), link, config_.link_retry_ps);
  }
  if (outcome_ != TransferOutcome::running) return false;
  if (attempt + 1 >= config_.attempts_per_track) {
    failure_status_ = r.status;
    fail("track " + std::to_string(track) + ": " + std::string(to_string(r.status)) + " " +
         r.message);
    return false;
  }
  const int32_t best = links_.most_efficient();
  if (best < 0) {
    failure_status_ = SendStatus::link_down;
    fail("track " + std::to_string(track) + ": no link is up");
    return false;
  }
  link = static_cast<uint32_t>(best);
  ahead = links_.started(link);
  ++stats_.resends;
  return true;
}

void BlockTransfer::stop() {
  if (outcome_ == TransferOutcome::running) outcome_ = TransferOutcome::stopped;
}

std::optional<uint64_t> BlockTransfer::next_track(uint64_t cursor) const {
  uint64_t from = cursor;
  for (uint64_t looked = 0; looked < bitmap_->count(); ++looked) {
    const std::optional<uint64_t> t = bitmap_->next_set(from);
    if (!t || !busy_->count(*t)) return t;
    from = *t + 1;
  }
  return std::nullopt;
}

void BlockTransfer::track_done(uint64_t group, uint64_t track, const SendResult& r) {
  busy_->erase(track);
  if (r.ok()) {
    ++stats_.tracks_done;
    stats_.bytes += r.bytes;
  } else {
    bitmap_->set(track);  // not sent: it stays to be copied
  }
  --group_outstanding_.at(group);
  progress_.notify_all();
}

Task BlockTransfer::data_mover(uint64_t track, uint32_t link, uint64_t group, uint32_t ahead) {
  co_await compute{config_.mover_cycles_per_track};
  SendResult r;
  for (uint32_t attempt = 0;; ++attempt) {
    // A named awaiter: GCC 12 mishandles temporaries with non-trivial
    // destructors in co_await expressions.
    send_track sending{dispatcher_, request_for(track, link)};
    r = co_await sending;
    if (!send_again(r, track, link, attempt, ahead)) break;
  }
  --movers_in_flight_;
  track_done(group, track, r);
}  // the data mover's TCB returns to its pool here

Task BlockTransfer::master() {
  Hardware& hw = dispatcher_.hardware();
  stats_.start_ps = hw.now_ps();
  uint32_t group_left = 0;
  uint32_t link = 0;
  uint64_t cursor = request_.first_track;
  while (outcome_ == TransferOutcome::running) {
    const std::optional<uint64_t> next = next_track(cursor);
    if (!next) {
      if (movers_in_flight_ == 0 && bitmap_->count() == 0) break;  // all sent: done
      co_await progress_.wait();  // a send ending may free or give back a track
      continue;
    }
    const uint64_t track = *next;
    bitmap_->clear(track);
    busy_->insert(track);
    cursor = track + 1;
    co_await compute{config_.master_cycles_per_track};
    if (group_left == 0) {
      if (config_.group_start == GroupStart::after_completion) {
        while (!group_outstanding_.empty() && group_outstanding_[current_group_] > 0) {
          co_await progress_.wait();
        }
      }
      const int32_t best = links_.most_efficient();
      if (best < 0) {
        bitmap_->set(track);  // handed out but never sent: it stays to be copied
        busy_->erase(track);
        failure_status_ = SendStatus::link_down;
        fail("no link is up");
        break;
      }
      link = static_cast<uint32_t>(best);
      links_.group_started(link);
      group_outstanding_.push_back(0);
      current_group_ = group_outstanding_.size() - 1;
      group_left = config_.group_tracks;
    }
    --group_left;
    ++group_outstanding_[current_group_];
    // The link counts the track as in flight from its assignment on.
    uint32_t ahead = links_.started(link);
    // Waiting for our own data movers is not a shortage: only an empty pool is.
    while (movers_in_flight_ >= config_.max_data_movers) co_await progress_.wait();
    if (Tcb* mover = movers_.allocate()) {
      set_mode(TransferMode::piped);
      ++stats_.tracks_piped;
      stats_.movers_peak = std::max(stats_.movers_peak, ++movers_in_flight_);
      dispatcher_.start(*mover, data_mover(track, link, current_group_, ahead));
      continue;
    }
    // No data mover to be had: the master moves this track itself (a resend
    // may move the track, not the rest of its group, to another link).
    set_mode(TransferMode::serial);
    ++stats_.tracks_serial;
    uint32_t track_link = link;
    SendResult r;
    for (uint32_t attempt = 0;; ++attempt) {
      // A named awaiter: GCC 12 mishandles temporaries with non-trivial
      // destructors in co_await expressions.
      send_track sending{dispatcher_, request_for(track, track_link)};
      r = co_await sending;
      if (!send_again(r, track, track_link, attempt, ahead)) break;
    }
    track_done(current_group_, track, r);
  }
  while (movers_in_flight_ > 0) co_await progress_.wait();
  if (outcome_ == TransferOutcome::running) outcome_ = TransferOutcome::complete;
  stats_.end_ps = hw.now_ps();
  finished_ = true;
  if (done_) done_(outcome_);
}

}  // namespace copysim::fw
