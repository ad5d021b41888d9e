#include "systemc/common/resource.h"

#include <algorithm>
#include <cmath>

namespace copysim::sc {

sc_core::sc_time Resource::reserve(const sc_core::sc_time& service) {
  const sc_core::sc_time start = std::max(free_at_, sc_core::sc_time_stamp());
  free_at_ = start + service;
  busy_ += service;
  ++requests_;
  return free_at_;
}

void Resource::use(const sc_core::sc_time& service) {
  const sc_core::sc_time end = reserve(service);
  sc_core::wait(end - sc_core::sc_time_stamp());
}

double Resource::utilization() const {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (now == sc_core::SC_ZERO_TIME) return 0.0;
  // Bookings run back to back from now until free_at_: that part lies ahead.
  const sc_core::sc_time ahead = free_at_ > now ? free_at_ - now : sc_core::SC_ZERO_TIME;
  return (busy_ - ahead).to_seconds() / now.to_seconds();
}

sc_core::sc_time ClockedPath::period() const {
  return sc_core::sc_time(std::round(1e6 / clock_mhz), sc_core::SC_PS);
}

uint64_t ClockedPath::cycles(uint64_t bytes) const {
  return (bytes + width_bytes - 1) / width_bytes + latency_cycles;
}

// Rounded once, for the whole transfer: a 150 MHz period is not a whole
// number of picoseconds.
sc_core::sc_time ClockedPath::duration(uint64_t bytes) const {
  return sc_core::sc_time(std::round(double(cycles(bytes)) * 1e6 / clock_mhz), sc_core::SC_PS);
}

}  // namespace copysim::sc
