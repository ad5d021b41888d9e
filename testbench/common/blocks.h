// Stored blocks for tests: random user data, stamped for their address.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "rtl/checkcode/stored_block.h"
#include "testbench/common/printers.h"

namespace copysim::testing {

inline std::span<uint8_t, checkcode::kStoredBlockBytes> block_at(std::vector<uint8_t>& buffer,
                                                                 std::size_t index) {
  return std::span(buffer)
      .subspan(index * checkcode::kStoredBlockBytes)
      .first<checkcode::kStoredBlockBytes>();
}

inline std::span<const uint8_t, checkcode::kStoredBlockBytes> block_at(
    const std::vector<uint8_t>& buffer, std::size_t index) {
  return std::span(buffer)
      .subspan(index * checkcode::kStoredBlockBytes)
      .first<checkcode::kStoredBlockBytes>();
}

// `count` blocks with random data, block i stamped for {first.device, first.block + i}.
inline std::vector<uint8_t> make_blocks(uint32_t count, checkcode::LogicalAddress first,
                                        std::mt19937_64& rng) {
  std::vector<uint8_t> buffer(std::size_t{count} * checkcode::kStoredBlockBytes);
  for (auto& b : buffer) b = static_cast<uint8_t>(rng());
  for (uint32_t i = 0; i < count; ++i) {
    checkcode::stamp(block_at(buffer, i), {first.device, first.block + i});
  }
  return buffer;
}

}  // namespace copysim::testing
