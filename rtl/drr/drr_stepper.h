// Drives one transfer through any pin-level DrrPins implementation, beat by
// beat from a buffer of stored blocks into another, with optional stalls on
// every handshake. The SystemC wrapper and the equivalence tests share it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "rtl/drr/drr_pins.h"

namespace copysim::drr {

// Each hook is asked once per cycle; returning true withholds that cycle's
// handshake from the unit's environment. Empty hooks never stall.
struct DrrStalls {
  std::function<bool()> cmd_delay;  // hold cmd_valid low
  std::function<bool()> in_gap;     // hold in_valid low
  std::function<bool()> out_stall;  // hold out_ready low
  std::function<bool()> sts_stall;  // hold sts_ready low
};

struct DrrStepResult {
  DrrStatus status;
  uint64_t cycles = 0;  // clock edges from the first command cycle to the status handshake
};

// Throws std::logic_error if the unit breaks the block framing (a trailer
// flag on the wrong beat, more beats than sent, status before the last beat).
DrrStepResult step_transfer(DrrPins& unit, const DrrCommand& cmd, std::span<const uint8_t> in,
                            std::span<uint8_t> out, const DrrStalls& stalls = {});

}  // namespace copysim::drr
