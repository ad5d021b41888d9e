#include "rtl/drr/drr_transfer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "rtl/checkcode/crc.h"
#include "rtl/drr/drr_block.h"

namespace copysim::drr {

using namespace checkcode;

DrrStatus drr_transfer(const DrrCommand& cmd, std::span<const uint8_t> in, std::span<uint8_t> out) {
  const std::size_t bytes = std::size_t{cmd.block_count} * kStoredBlockBytes;
  if (in.size() != bytes || out.size() != bytes) {
    throw std::invalid_argument("drr_transfer of " + std::to_string(cmd.block_count) +
                                " blocks needs " + std::to_string(bytes) +
                                " bytes in and out, got " + std::to_string(in.size()) + " and " +
                                std::to_string(out.size()));
  }
  static const Crc t10dif(kCrc16T10Dif);
  DrrStatus status;
  LogicalAddress src = cmd.source;
  LogicalAddress dst = cmd.target;
  for (uint32_t i = 0; i < cmd.block_count; ++i) {
    auto from = in.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
    auto to = out.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
    std::copy_n(from.begin(), kUserDataBytes, to.begin());
    const auto crc = static_cast<uint16_t>(t10dif.update(0, from.first<kUserDataBytes>()));
    const TrailerCheck check =
        rewrite_trailer(crc, from.last<kTrailerBytes>(), src, dst, to.last<kTrailerBytes>());
    if (!check.cd_ok) ++status.cd_errors;
    if (!check.la_ok) ++status.la_errors;
    if (!check.ok() && status.first_bad == kNoBadBlock) status.first_bad = i;
    ++status.blocks;
    ++src.block;
    ++dst.block;
  }
  return status;
}

}  // namespace copysim::drr
