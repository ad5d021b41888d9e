// What the DRR unit does to one block's trailer, shared by the cycle model
// and the transaction-level model so the two cannot drift apart.
#pragma once

#include <cstdint>
#include <span>

#include "rtl/checkcode/stored_block.h"

namespace copysim::drr {

struct TrailerCheck {
  bool cd_ok = false;
  bool la_ok = false;
  bool ok() const { return cd_ok && la_ok; }
};

// `crc` is the CRC-16/T10-DIF register after the block's 512 data bytes.
// Checks the arriving trailer against `expected` and, only if the block is
// intact and at the expected address, writes the trailer for `target` into
// `out`; otherwise `out` receives the trailer unchanged.
TrailerCheck rewrite_trailer(uint16_t crc, std::span<const uint8_t, checkcode::kTrailerBytes> in,
                             checkcode::LogicalAddress expected, checkcode::LogicalAddress target,
                             std::span<uint8_t, checkcode::kTrailerBytes> out);

}  // namespace copysim::drr
