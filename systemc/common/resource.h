// A resource that serves one request at a time in arrival order: a port, a
// bus, a drive arm. Callers reserve service time and wait for their slot to
// end; the resource keeps its own busy-time account for utilization. This
// is exact for first-come-first-served service and costs no SystemC process.
#pragma once

#include <string>

#include <systemc>

namespace copysim::sc {

class Resource {
 public:
  explicit Resource(std::string name = {}) : name_(std::move(name)) {}

  // Books `service` starting when the resource is next free (or now) and
  // returns the time the booked service ends.
  sc_core::sc_time reserve(const sc_core::sc_time& service);
  // From a thread process: reserve, then wait until the service has ended.
  void use(const sc_core::sc_time& service);

  const std::string& name() const { return name_; }
  sc_core::sc_time busy_time() const { return busy_; }
  sc_core::sc_time free_at() const { return free_at_; }
  uint64_t requests() const { return requests_; }
  // Fraction of [0, now] spent serving (bookings beyond now not counted).
  double utilization() const;

 private:
  std::string name_;
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
  uint64_t requests_ = 0;
};

// A data path of `width_bytes` per cycle of a `clock_mhz` clock with a fixed
// latency: n bytes take ceil(n / width) + latency cycles (docs/ARCHITECTURE.md).
struct ClockedPath {
  double clock_mhz = 250.0;
  unsigned width_bytes = 64;
  unsigned latency_cycles = 0;

  sc_core::sc_time period() const;
  uint64_t cycles(uint64_t bytes) const;
  sc_core::sc_time duration(uint64_t bytes) const;
  double bytes_per_second() const { return clock_mhz * 1e6 * width_bytes; }
};

}  // namespace copysim::sc
