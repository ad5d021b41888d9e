// The precopy process (Figs. 5 and 10), the clone copy program (Fig. 8)
// and the host IO intercepts (Fig. 6 and the destination's indirection).
#include <fmt/format.h>

#include <memory>

#include "firmware/clone/clone_session.h"

namespace copysim::fw {

// One track, source to destination through the DRR unit. Under the
// source track's lock: IND and clone PB cleared; during precopy the precopy
// PB is set (copied, not written since).
void CloneService::copy_track(Session& s, uint64_t track,
                              std::function<void(const std::string&)> done) {
  const uint32_t id = s.info.id;
  const uint64_t generation = s.generation;
  copier_.copy(s.info.source, s.info.os_copy.destination, track,
               [this, id, generation, track, done = std::move(done)](const std::string& error) {
                 Session* q = find(id, generation);
                 if (q != nullptr && error.empty() && q->clone_pb(track)) {
                   q->ind.clear(track);
                   q->pb->clear(track, q->info.clone_column);
                   if (q->info.os_copy.active && !q->activate_pending) {
                     ++q->info.copied_after_activate;
                   } else if (q->info.precopy_column >= 0) {
                     q->pb->set(track, q->info.precopy_column);
                     ++q->info.precopied;
                   }
                 } else if (q != nullptr && !error.empty()) {
                   q->info.os_copy.op_status = CloneOpStatus::failed;
                   q->info.error = fmt::format("copy of track {} failed: {}", track, error);
                   record(*q, "failed", state_of(*q));
                 }
                 done(error);
               });
}

// One TCB per session: precopy passes until ACTIVATE, then the clone copy
// program until every track is copied, when the TCB is released.
Task CloneService::copy_program(uint32_t id, uint64_t generation) {
  uint64_t copied_this_pass = 0;
  for (;;) {
    Session* s = find(id, generation);
    if (s == nullptr) co_return;
    OsCopy& os = s->info.os_copy;
    const bool precopying = os.precopy && !os.active;
    const bool copying = os.active && !s->activate_pending;
    // Copied or failed, the session copies nothing more: its copy TCB goes
    // back to the pool now, not at TERMINATE.
    if (os.op_status == CloneOpStatus::failed ||
        (copying && os.op_status == CloneOpStatus::completed)) {
      co_return;
    }
    if (!precopying && !copying) {
      Event::Awaiter woken = s->wake->wait();
      co_await woken;
      continue;
    }
    const uint64_t tracks = s->pb->tracks();
    const uint64_t t = os.last_set_track;
    co_await compute{config_.track_cycles};
    s = find(id, generation);
    if (s == nullptr) co_return;
    if (s->info.os_copy.precopy != precopying || s->activate_pending) continue;

    const bool clone = s->clone_pb(t);
    const bool pre = s->precopy_pb(t);
    bool copy = false;
    if (precopying && s->info.precopy_column >= 0) {
      // Fig. 10: in an extent exactly one of the two bits is set; neither is
      // a track outside every extent; both is an error.
      if (clone && pre) {
        s->info.os_copy.op_status = CloneOpStatus::failed;
        s->info.error = fmt::format("track {}: both the clone and the precopy PB bits are set", t);
        record(*s, "failed", CloneState::precopy);
        continue;
      }
      copy = clone;
    } else if (copying && pre) {
      s->pb->clear(t, s->info.precopy_column);  // Fig. 8 step 153: copied, unchanged
    } else {
      copy = clone;
    }
    if (copy) {
      hardware_call<std::string> one{dispatcher_,
                                     [this, s, t](std::function<void(std::string)> done) {
                                       copy_track(*s, t, [done](const std::string& e) { done(e); });
                                     }};
      co_await one;
      ++copied_this_pass;
      s = find(id, generation);
      if (s == nullptr) co_return;
    }
    s->info.os_copy.last_set_track = (t + 1) % tracks;
    if (s->info.os_copy.last_set_track != 0) continue;
    // A full pass ended.
    if (s->info.os_copy.active && !s->activate_pending) {
      if (s->pb->count(s->info.clone_column) == 0) {
        s->info.os_copy.op_status = CloneOpStatus::completed;
        record(*s, "copied", CloneState::active);
      }
    } else if (s->info.os_copy.precopy) {
      ++s->info.precopy_passes;
      if (copied_this_pass == 0 && s->pb->count(s->info.clone_column) == 0) {
        Event::Awaiter woken = s->wake->wait();  // until a write sets bits again
        co_await woken;
      }
    }
    copied_this_pass = 0;
  }
}

// Before host IO: a source write copies the tracks still to copy first
// (Fig. 6 steps 166-168); destination IO fetches tracks whose IND is set.
void CloneService::before_io(uint16_t device, TrackRange tracks, bool write,
                             std::function<void(std::string)> done) {
  std::vector<std::pair<Session*, uint64_t>> first;
  for (const auto& [d, s] : sessions_) {
    if (s->info.os_copy.op_status == CloneOpStatus::failed && d == device) {
      done(fmt::format("clone session {} failed: {}", s->info.id, s->info.error));
      return;
    }
    if (!s->info.os_copy.active || s->activate_pending ||
        s->info.os_copy.op_status == CloneOpStatus::failed) {
      continue;
    }
    const bool as_source = write && s->info.source == device;
    const bool as_destination = d == device;
    if (!as_source && !as_destination) continue;
    for (uint64_t t = tracks.first; t <= tracks.last; ++t) {
      if (s->clone_pb(t)) {
        first.emplace_back(s.get(), t);
        ++(as_source ? s->info.copy_before_writes : s->info.fetches);
      }
    }
  }
  if (first.empty()) {
    done({});
    return;
  }
  // The IO fails if a copy it depends on failed: the destination would
  // show, or the source would overwrite, data the point in time needs.
  auto left = std::make_shared<std::size_t>(first.size());
  auto error = std::make_shared<std::string>();
  auto all_done = std::make_shared<std::function<void(std::string)>>(std::move(done));
  for (auto [s, t] : first) {
    copy_track(*s, t, [left, error, all_done, t](const std::string& e) {
      if (!e.empty() && error->empty()) *error = fmt::format("track {}: {}", t, e);
      if (--*left == 0) (*all_done)(*error);
    });
  }
}

// After a source write: during precopy (and until ACTIVATE's quiet point)
// a precopied track is to be copied again (Fig. 6 step 137); once active,
// its precopy PB is only cleared (step 165).
void CloneService::after_write(uint16_t device, TrackRange tracks) {
  for (const auto& [d, s] : sessions_) {
    if (s->info.source != device || s->info.precopy_column < 0) continue;
    const bool before_point = !s->info.os_copy.active || s->activate_pending;
    for (uint64_t t = tracks.first; t <= tracks.last; ++t) {
      if (!s->precopy_pb(t)) continue;
      s->pb->clear(t, s->info.precopy_column);
      if (before_point) {
        s->pb->set(t, s->info.clone_column);
        s->ind.set(t);
      }
    }
    if (before_point) s->wake->notify_all();
  }
}

}  // namespace copysim::fw
