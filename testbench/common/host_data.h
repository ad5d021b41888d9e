// User data for host IO tests: a block's 512 bytes are a pure function of
// (device, block, version), so the reference model of volume contents
// (testbench/scoreboard/) only stores versions.
#pragma once

#include <cstdint>
#include <span>

namespace copysim::testing {

// Version 0 is a never-written block: zeros, as a freshly formatted volume.
inline void fill_user_block(std::span<uint8_t> out512, uint16_t device, uint64_t block,
                            uint64_t version) {
  if (version == 0) {
    for (auto& b : out512) b = 0;
    return;
  }
  uint64_t x = (uint64_t{device} << 48) ^ (block << 8) ^ (version * 0x9e3779b97f4a7c15ull);
  for (std::size_t i = 0; i < out512.size(); i += 8) {
    x ^= x >> 33;  // splitmix-style mixing: every byte depends on all inputs
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 29;
    for (std::size_t k = 0; k < 8 && i + k < out512.size(); ++k) {
      out512[i + k] = static_cast<uint8_t>(x >> (8 * k));
    }
  }
}

// A write of consecutive blocks, all of one version.
inline void fill_user_blocks(std::span<uint8_t> out, uint16_t device, uint64_t first_block,
                             uint64_t version) {
  for (std::size_t i = 0; i * 512 < out.size(); ++i) {
    fill_user_block(out.subspan(i * 512, 512), device, first_block + i, version);
  }
}

}  // namespace copysim::testing
