// The copy process of Fig. 5 with the elemental copy of Fig. 6, paced, and
// the change request processing of Fig. 9.
#include <fmt/format.h>

#include <memory>

#include "firmware/local_pairs/local_pair.h"

namespace copysim::fw {

// Fig. 6: the track goes primary -> cache -> DRR -> cache -> secondary;
// its inequality bit is reset once it is there.
void LocalPairService::copy_track(Pair& p, uint64_t track, std::function<void()> done) {
  const uint32_t number = p.info.number;
  const uint64_t generation = p.generation;
  copier_.copy(p.info.primary, p.info.secondary, track,
               [this, number, generation, track, done = std::move(done)](const std::string& error) {
                 if (Pair* q = find(number, generation)) {
                   if (error.empty()) {
                     q->inequality.clear(track);
                   } else if (q->info.state != LocalPairState::suspended) {
                     set_state(*q, LocalPairState::suspended,
                               fmt::format("copy of track {} failed: {}", track, error));
                   }
                 }
                 done();
               });
}

// Fig. 5: from the copy pointer, up to `pace` tracks whose bits are set,
// then the pointer advances; a step starts at most once a step period.
Task LocalPairService::copy_process(uint32_t number, uint64_t generation) {
  for (;;) {
    Pair* p = find(number, generation);
    if (p == nullptr) co_return;
    const LocalPairState s = p->info.state;
    if (s == LocalPairState::copy_in_progress && !p->split_pending && p->inequality.count() == 0) {
      set_state(*p, LocalPairState::copied, "copy complete");
      update_access(p->info.secondary);
      continue;
    }
    const bool copying =
        s == LocalPairState::paired_not_copied || s == LocalPairState::copy_in_progress;
    if (!copying || p->inequality.count() == 0) {
      Event::Awaiter woken = p->wake->wait();
      co_await woken;
      continue;
    }
    const uint64_t step_start = hardware_.now_ps();
    co_await compute{config_.step_cycles};
    p = find(number, generation);
    if (p == nullptr) co_return;
    std::vector<uint64_t> picked;
    uint64_t from = p->info.copy_pointer;
    while (picked.size() < p->info.pace) {
      const auto t = p->inequality.next_set(from);
      if (!t || (!picked.empty() && *t == picked.front())) break;
      picked.push_back(*t);
      from = (*t + 1) % p->info.tracks;
    }
    if (picked.empty()) continue;
    hardware_call<int> step{dispatcher_,
                            [this, number, generation, picked](std::function<void(int)> done) {
                              auto left = std::make_shared<std::size_t>(picked.size());
                              for (uint64_t t : picked) {
                                auto one_done = [left, done] {
                                  if (--*left == 0) done(0);
                                };
                                if (Pair* q = find(number, generation)) {
                                  copy_track(*q, t, one_done);
                                } else {
                                  one_done();
                                }
                              }
                            }};
    co_await step;
    p = find(number, generation);
    if (p == nullptr) co_return;
    p->info.copy_pointer = (picked.back() + 1) % p->info.tracks;
    p->info.tracks_copied += picked.size();
    const uint64_t next = step_start + config_.step_period_ps;
    if (hardware_.now_ps() < next) {
      hardware_call<int> pause{dispatcher_, [this, next](std::function<void(int)> done) {
                                 hardware_.start_timer(next - hardware_.now_ps(),
                                                       [done] { done(0); });
                               }};
      co_await pause;
    }
  }
}

// Fig. 9: during copy in progress, a write to a primary track whose bit is
// still set first copies the old data to every such secondary.
void LocalPairService::before_io(uint16_t device, TrackRange tracks, bool write,
                                 std::function<void(std::string)> done) {
  if (!write) {
    done({});
    return;
  }
  std::vector<std::pair<Pair*, uint64_t>> first;
  for (const auto& [n, p] : pairs_) {
    if (p->info.primary != device || p->info.state != LocalPairState::copy_in_progress ||
        p->split_pending) {
      continue;
    }
    for (uint64_t t = tracks.first; t <= tracks.last; ++t) {
      if (p->inequality.test(t)) first.emplace_back(p.get(), t);
    }
  }
  if (first.empty() || config_.mutant_skip_copy_before_write) {
    done({});
    return;
  }
  // A failed copy suspends its pair (copy_track), whose secondary then no
  // longer promises a point in time: the write goes on.
  auto left = std::make_shared<std::size_t>(first.size());
  auto all_done = std::make_shared<std::function<void(std::string)>>(std::move(done));
  for (auto [p, t] : first) {
    ++p->info.copy_before_writes;
    copy_track(*p, t, [left, all_done] {
      if (--*left == 0) (*all_done)({});
    });
  }
}

void LocalPairService::after_write(uint16_t device, TrackRange tracks) {
  for (const auto& [n, p] : pairs_) {
    const LocalPairState s = p->info.state;
    if (p->info.primary == device) {
      // Before the point in time the write is the secondary's to get; after
      // it, it is a change since the split.
      const bool before_point = s == LocalPairState::paired_not_copied ||
                                s == LocalPairState::suspended ||
                                (s == LocalPairState::copy_in_progress && p->split_pending);
      for (uint64_t t = tracks.first; t <= tracks.last; ++t) {
        (before_point ? p->inequality : p->primary_changes).set(t);
      }
      if (before_point) p->wake->notify_all();
    } else if (p->info.secondary == device && s == LocalPairState::copied) {
      for (uint64_t t = tracks.first; t <= tracks.last; ++t) p->secondary_changes.set(t);
    }
  }
}

}  // namespace copysim::fw
