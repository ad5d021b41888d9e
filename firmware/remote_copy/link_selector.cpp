#include "firmware/remote_copy/link_selector.h"

#include <limits>

#include <stdexcept>
#include "firmware/hal/hardware.h"

namespace copysim::fw {

LinkSelector::LinkSelector(uint32_t links, double smoothing)
    : smoothing_(smoothing), links_(links) {
  if (links == 0) throw std::invalid_argument("link selection needs at least one link");
  if (!(smoothing > 0 && smoothing <= 1)) throw std::invalid_argument("smoothing in (0, 1]");
}

double LinkSelector::efficiency(uint32_t link) const {
  const LinkRecord& r = links_.at(link);
  if (!r.up || !r.enabled) return 0.0;
  if (!r.measured) return std::numeric_limits<double>::infinity();
  return r.bytes_per_track / (r.time_per_track_ps * (r.in_flight + 1) * 1e-12);
}

int32_t LinkSelector::most_efficient() const {
  int32_t best = -1;
  double best_efficiency = 0;
  for (uint32_t i = 0; i < links_.size(); ++i) {
    const double e = efficiency(i);
    const bool tie_fewer_in_flight = best >= 0 && e == best_efficiency &&
                                     links_[i].in_flight < links_[std::size_t(best)].in_flight;
    if (links_[i].up && links_[i].enabled &&
        (best < 0 || e > best_efficiency || tie_fewer_in_flight)) {
      best = static_cast<int32_t>(i);
      best_efficiency = e;
    }
  }
  return best;
}

uint32_t LinkSelector::started(uint32_t link) { return links_.at(link).in_flight++; }

void LinkSelector::failed(uint32_t link) { --links_.at(link).in_flight; }

void LinkSelector::completed(uint32_t link, uint64_t bytes, uint64_t response_ps,
                             uint32_t in_flight_at_start) {
  LinkRecord& r = links_.at(link);
  --r.in_flight;
  ++r.tracks;
  const double per_track = double(response_ps) / (in_flight_at_start + 1);
  if (!r.measured) {
    r.measured = true;
    r.time_per_track_ps = per_track;
    r.bytes_per_track = double(bytes);
    return;
  }
  r.time_per_track_ps += smoothing_ * (per_track - r.time_per_track_ps);
  r.bytes_per_track += smoothing_ * (double(bytes) - r.bytes_per_track);
}

void LinkSelector::set_up(uint32_t link, bool up) { links_.at(link).up = up; }

void report_link_down(LinkSelector& links, Hardware& hardware, uint32_t link, uint64_t retry_ps) {
  links.set_up(link, false);
  const uint64_t report = ++links.record(link).down_reports;
  hardware.start_timer(retry_ps, [&links, link, report] {
    if (links.record(link).down_reports == report) links.set_up(link, true);
  });
}

}  // namespace copysim::fw
