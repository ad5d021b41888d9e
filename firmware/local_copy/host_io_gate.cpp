#include "firmware/local_copy/host_io_gate.h"

#include <algorithm>

namespace copysim::fw {

TrackRange HostIoGate::tracks_of(uint16_t device, uint64_t first_block, uint32_t blocks) const {
  const uint64_t bpt = std::max<uint32_t>(1, hardware_.blocks_per_track(device));
  return {first_block / bpt, (first_block + blocks - 1) / bpt};
}

void HostIoGate::host_io_starting(uint16_t device, uint64_t first_block, uint32_t blocks,
                                  bool write, std::function<void(std::string)> proceed) {
  if (holds_.count(device) != 0) {
    held_[device].push_back({device, first_block, blocks, write, std::move(proceed)});
    ++held_ios_;
    return;
  }
  const TrackRange tracks = tracks_of(device, first_block, blocks);
  if (write) ++in_flight_[device];
  run_participants(0, device, tracks, write,
                   [this, device, tracks, write, proceed = std::move(proceed)](std::string error) {
                     if (!error.empty()) {
                       if (write) write_done(device);  // it never lands
                       proceed(std::move(error));
                     } else if (!write) {
                       proceed({});
                     } else {
                       lock_tracks(device, tracks.first, tracks.last, [proceed] { proceed({}); });
                     }
                   });
}

void HostIoGate::run_participants(std::size_t i, uint16_t device, TrackRange tracks, bool write,
                                  std::function<void(std::string)> done) {
  if (i == participants_.size()) {
    done({});
    return;
  }
  participants_[i]->before_io(
      device, tracks, write,
      [this, i, device, tracks, write, done = std::move(done)](std::string error) {
        if (!error.empty()) {
          done(std::move(error));
        } else {
          run_participants(i + 1, device, tracks, write, done);
        }
      });
}

// In ascending order, one at a time: two writes never wait on each other.
void HostIoGate::lock_tracks(uint16_t device, uint64_t track, uint64_t last,
                             std::function<void()> done) {
  locks_.lock_shared(device, track, [this, device, track, last, done = std::move(done)] {
    if (track == last) {
      done();
    } else {
      lock_tracks(device, track + 1, last, done);
    }
  });
}

void HostIoGate::host_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                            std::function<void()> done) {
  const TrackRange tracks = tracks_of(device, first_block, blocks);
  for (LocalCopyParticipant* p : participants_) p->after_write(device, tracks);
  for (uint64_t t = tracks.first; t <= tracks.last; ++t) locks_.unlock_shared(device, t);
  write_done(device);
  if (next_ != nullptr) {
    next_->host_write(device, first_block, blocks, std::move(done));
  } else {
    done();
  }
}

void HostIoGate::write_done(uint16_t device) {
  if (auto it = in_flight_.find(device); it != in_flight_.end() && --it->second == 0) {
    in_flight_.erase(it);
    check_quiet();
  }
}

void HostIoGate::at_quiet_point(std::vector<uint16_t> devices, std::function<void()> switch_now) {
  for (uint16_t d : devices) ++holds_[d];
  quiet_.push_back({std::move(devices), std::move(switch_now)});
  check_quiet();
}

void HostIoGate::check_quiet() {
  for (std::size_t i = 0; i < quiet_.size();) {
    const bool quiet = std::none_of(quiet_[i].devices.begin(), quiet_[i].devices.end(),
                                    [this](uint16_t d) { return in_flight_.count(d) != 0; });
    if (!quiet) {
      ++i;
      continue;
    }
    Quiet q = std::move(quiet_[i]);
    quiet_.erase(quiet_.begin() + static_cast<std::ptrdiff_t>(i));
    q.switch_now();
    for (uint16_t d : q.devices) {
      if (--holds_[d] == 0) {
        holds_.erase(d);
        release(d);
      }
    }
    i = 0;  // releasing may have changed what is quiet
  }
}

void HostIoGate::release(uint16_t device) {
  auto it = held_.find(device);
  if (it == held_.end()) return;
  std::deque<Io> ios = std::move(it->second);
  held_.erase(it);
  for (Io& io : ios) {
    host_io_starting(io.device, io.first_block, io.blocks, io.write, std::move(io.proceed));
  }
}

}  // namespace copysim::fw
