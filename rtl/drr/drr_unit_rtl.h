// The Verilated builds of rtl/drr/drr_unit.sv behind the DrrPins interface,
// with FST waveform output. Verilator fixes DATA_BYTES at build time, so one
// model is built per supported width (drr_rtl_widths()).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "rtl/drr/drr_pins.h"

namespace copysim::drr {

class DrrUnitRtl : public DrrPins {
 public:
  // Starts an FST dump of every signal of the unit; times in picoseconds.
  virtual void open_wave(const std::string& fst_path) = 0;
  virtual void close_wave() = 0;
  virtual bool wave_open() const = 0;
  // Moves the unit's local clock to `time_ps` (never backwards): the
  // waveform then lines up with the simulated time of the platform.
  virtual void advance_to_ps(uint64_t time_ps) = 0;
  virtual uint64_t time_ps() const = 0;
  // Clock cycles evaluated since construction.
  virtual uint64_t cycles() const = 0;
};

// The DATA_BYTES values Verilated into this build.
std::span<const unsigned> drr_rtl_widths();

// Throws std::invalid_argument naming the built widths if `data_bytes` has
// no Verilated build.
std::unique_ptr<DrrUnitRtl> make_drr_unit_rtl(unsigned data_bytes, uint64_t clock_period_ps);

}  // namespace copysim::drr
