// Simulated time as whole picoseconds, the unit the models compute in.
#pragma once

#include <cstdint>

#include <systemc>

namespace copysim::sc {

// sc_time counts in the kernel's resolution (1 ps unless a scenario sets it).
inline uint64_t to_ps(const sc_core::sc_time& t) {
  static const auto resolution_ps =
      static_cast<uint64_t>(sc_core::sc_get_time_resolution().to_seconds() * 1e12 + 0.5);
  return t.value() * resolution_ps;
}

inline uint64_t now_ps() { return to_ps(sc_core::sc_time_stamp()); }

inline sc_core::sc_time ps_time(uint64_t ps) {
  return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS);
}

}  // namespace copysim::sc
