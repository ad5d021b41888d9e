// Transaction-level model of the DRR unit: a whole transfer in one call, with
// the same bytes and status as the RTL and the cycle count the RTL takes when
// nothing stalls it. This is the "fast" implementation large scenarios use.
#pragma once

#include <cstdint>
#include <span>

#include "rtl/drr/drr_pins.h"

namespace copysim::drr {

// `in` and `out` hold cmd.block_count stored blocks of 520 bytes each.
DrrStatus drr_transfer(const DrrCommand& cmd, std::span<const uint8_t> in, std::span<uint8_t> out);

// Clock cycles from the edge that accepts the command to the edge that
// accepts the status, inclusive, on an unstalled unit: the command cycle,
// one cycle per beat, the output drain cycle and the status cycle.
constexpr uint64_t drr_transfer_cycles(uint32_t block_count, unsigned data_bytes) {
  if (block_count == 0) return 2;
  return uint64_t{block_count} * beats_per_block(data_bytes) + 3;
}

// Cycles from a beat's input handshake to its output handshake.
inline constexpr unsigned kDrrLatencyCycles = 1;

}  // namespace copysim::drr
