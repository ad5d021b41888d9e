// Choosing the link for each group of tracks (seed 000, claims 3-7).
//
// A link's efficiency is the bytes a track would move per second of its
// response time if sent now: the track's bytes over its predicted response,
// which is the link's measured time per track times the tracks that would
// be ahead of it plus one. The time per track is a smoothed average of each
// completed track's response time (from the moment a data mover hands it
// to the hardware to the secondary's status) divided by the tracks that
// were in flight on the link when it started, itself included. A slower,
// longer or busier link is less efficient; counting the tracks in flight
// keeps a burst of groups from all landing on one link before its
// measurements catch up. A link not yet measured counts as most efficient,
// so every link gets tried. Each group of tracks goes to the most efficient
// link that is up, chosen when the group starts.
#pragma once

#include <cstdint>
#include <vector>

namespace copysim::fw {

enum class GroupStart {
  after_completion,  // claim 6: the next group starts once the previous one completed
  overlapped,        // claim 7: the next group starts before the previous one completed
};

struct LinkRecord {
  bool measured = false;
  bool up = true;
  bool enabled = true;
  uint64_t down_reports = 0;     // a retry timer acts only if no later report came
  double time_per_track_ps = 0;  // smoothed response / tracks in flight at start
  double bytes_per_track = 0;
  uint32_t in_flight = 0;
  uint64_t tracks = 0;
  uint64_t groups = 0;
};

class LinkSelector {
 public:
  LinkSelector(uint32_t links, double smoothing = 0.25);

  // Bytes per second; infinite for a link never measured; 0 for a link down.
  double efficiency(uint32_t link) const;
  // The most efficient link that is up (among links not yet measured, the
  // one with fewest tracks in flight; then the lowest index); -1 if none.
  int32_t most_efficient() const;
  // A track is handed to the hardware on `link`; returns the tracks already
  // in flight there, to be given back to completed() or failed().
  uint32_t started(uint32_t link);
  void completed(uint32_t link, uint64_t bytes, uint64_t response_ps, uint32_t in_flight_at_start);
  void failed(uint32_t link);
  void set_up(uint32_t link, bool up);
  // A link outside the established path is never chosen.
  void set_enabled(uint32_t link, bool enabled) { links_.at(link).enabled = enabled; }
  LinkRecord& record(uint32_t link) { return links_.at(link); }
  void group_started(uint32_t link) { ++links_.at(link).groups; }

  uint32_t links() const { return static_cast<uint32_t>(links_.size()); }
  const LinkRecord& record(uint32_t link) const { return links_.at(link); }

 private:
  double smoothing_;
  std::vector<LinkRecord> links_;
};

class Hardware;
// A send reported the link down: it leaves the choice, and a timer puts it
// back after `retry_ps` so that it is tried again.
void report_link_down(LinkSelector& links, Hardware& hardware, uint32_t link, uint64_t retry_ps);

}  // namespace copysim::fw
