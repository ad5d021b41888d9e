#include "rtl/drr/drr_block.h"

#include <algorithm>

namespace copysim::drr {

using namespace checkcode;

TrailerCheck rewrite_trailer(uint16_t crc, std::span<const uint8_t, kTrailerBytes> in,
                             LogicalAddress expected, LogicalAddress target,
                             std::span<uint8_t, kTrailerBytes> out) {
  const LogicalAddress arrived{
      static_cast<uint16_t>(in[0] << 8 | in[1]),
      uint32_t{in[2]} << 24 | uint32_t{in[3]} << 16 | uint32_t{in[4]} << 8 | uint32_t{in[5]}};
  const uint16_t arrived_cd = static_cast<uint16_t>(in[6] << 8 | in[7]);

  TrailerCheck check;
  check.cd_ok = extend_check_code(crc, arrived) == arrived_cd;
  check.la_ok = arrived == expected;
  if (!check.ok()) {
    std::copy(in.begin(), in.end(), out.begin());
    return check;
  }
  const uint16_t cd = extend_check_code(crc, target);
  const uint8_t trailer[kTrailerBytes] = {static_cast<uint8_t>(target.device >> 8),
                                          static_cast<uint8_t>(target.device),
                                          static_cast<uint8_t>(target.block >> 24),
                                          static_cast<uint8_t>(target.block >> 16),
                                          static_cast<uint8_t>(target.block >> 8),
                                          static_cast<uint8_t>(target.block),
                                          static_cast<uint8_t>(cd >> 8),
                                          static_cast<uint8_t>(cd)};
  std::copy(std::begin(trailer), std::end(trailer), out.begin());
  return check;
}

}  // namespace copysim::drr
