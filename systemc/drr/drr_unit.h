// The DRR address-change unit as a SystemC module (seed 004, Fig. 10B): one
// transaction interface, transfer(), in front of three implementations chosen
// at run time: the Verilated RTL and the C++ cycle model, both stepped cycle
// by cycle, and the transaction-level model for large scenarios. All three
// give the same bytes, status and (unstalled) simulated time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include <systemc>

#include "rtl/drr/drr_pins.h"
#include "rtl/drr/drr_unit_rtl.h"

namespace copysim::sc {

enum class DrrImplementation { rtl, model, fast };
std::string_view to_string(DrrImplementation implementation);
std::optional<DrrImplementation> parse_drr_implementation(std::string_view name);

class DrrUnit : public sc_core::sc_module {
 public:
  struct Config {
    DrrImplementation implementation = DrrImplementation::fast;
    double clock_mhz = 250.0;
    unsigned data_bytes = 64;
    // Seeded random stalls (stepped implementations only): the chance per
    // cycle that the source withholds a beat, or the sink refuses one.
    double in_gap_probability = 0.0;
    double out_stall_probability = 0.0;
    uint64_t stall_seed = 1;
    // FST waveform of the RTL (rtl implementation only); a GTKWave save file
    // grouping the interface signals is written beside it as <file>.gtkw.
    std::string wave_file;
  };

  struct Stats {
    uint64_t transfers = 0;
    uint64_t blocks = 0;
    uint64_t busy_cycles = 0;
    uint64_t cd_errors = 0;
    uint64_t la_errors = 0;
  };

  // Throws std::invalid_argument naming the field and the rule it breaks.
  static void validate(const Config& config);

  DrrUnit(const sc_core::sc_module_name& name, Config config);
  ~DrrUnit() override;

  // Call from an SC_THREAD. Moves cmd.block_count stored blocks from `in` to
  // `out`, rewriting each good block's LA and check code, and returns after
  // the transfer's simulated time. Concurrent callers are served in turn.
  drr::DrrStatus transfer(const drr::DrrCommand& cmd, std::span<const uint8_t> in,
                          std::span<uint8_t> out);

  // The unit accepts transfers after its power-on reset cycle.
  bool powered_on() const { return powered_on_; }
  const sc_core::sc_event& powered_on_event() const { return powered_on_event_; }

  const Config& config() const { return config_; }
  const Stats& stats() const { return stats_; }
  sc_core::sc_time clock_period() const { return period_; }
  // Ends the waveform so that it can be read while simulation goes on.
  void close_wave();

 private:
  void power_on();
  void start_of_simulation() override;
  uint64_t run_stepped(const drr::DrrCommand& cmd, std::span<const uint8_t> in,
                       std::span<uint8_t> out, drr::DrrStatus& status);
  bool chance(double probability);

  Config config_;
  sc_core::sc_time period_;
  uint64_t period_ps_;
  std::unique_ptr<drr::DrrPins> pins_;  // stepped implementations
  drr::DrrUnitRtl* rtl_ = nullptr;      // pins_ when it is the RTL
  std::mt19937_64 stall_rng_;
  sc_core::sc_mutex busy_;
  sc_core::sc_event powered_on_event_;
  bool powered_on_ = false;
  Stats stats_;
};

}  // namespace copysim::sc
