// The stored-block format (docs/BLOCK_FORMAT.md): 512 bytes of user data and
// an 8-byte trailer holding the block's logical address (LA: device number
// and block number) and a CRC-16/T10-DIF check code (CD) over data and LA.
// Because the CD covers the LA, a block copied to another device must have
// its CD recomputed (the DRR unit's job), and a block read back at the wrong
// address fails its check.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace copysim::checkcode {

inline constexpr std::size_t kUserDataBytes = 512;
inline constexpr std::size_t kLaBytes = 6;
inline constexpr std::size_t kCheckCodeBytes = 2;
inline constexpr std::size_t kTrailerBytes = kLaBytes + kCheckCodeBytes;
inline constexpr std::size_t kStoredBlockBytes = kUserDataBytes + kTrailerBytes;  // 520
inline constexpr std::size_t kLaOffset = kUserDataBytes;                          // 512
inline constexpr std::size_t kCheckCodeOffset = kLaOffset + kLaBytes;             // 518

struct LogicalAddress {
  uint16_t device = 0;
  uint32_t block = 0;
  auto operator<=>(const LogicalAddress&) const = default;
};

enum class BlockCheck {
  ok,
  check_code_mismatch,  // data or LA damaged: the CD does not match
  address_mismatch,     // intact block, but it belongs to another address
};
std::string_view to_string(BlockCheck check);

using BlockBytes = std::span<uint8_t, kStoredBlockBytes>;
using ConstBlockBytes = std::span<const uint8_t, kStoredBlockBytes>;

// CRC-16/T10-DIF over the user data and the LA (bytes 0..517).
uint16_t compute_check_code(ConstBlockBytes block);
// Continues a CRC-16/T10-DIF register over the six LA bytes of `la`.
uint16_t extend_check_code(uint16_t reg, LogicalAddress la);

LogicalAddress read_la(ConstBlockBytes block);
uint16_t read_check_code(ConstBlockBytes block);
void write_la(BlockBytes block, LogicalAddress la);
void write_check_code(BlockBytes block, uint16_t cd);

// Writes the LA and the CD that matches data and LA.
void stamp(BlockBytes block, LogicalAddress la);
// A freshly formatted block: zeros stamped with `la`. Its CD continues the
// register of 512 zero bytes, computed once, over the LA alone.
void format_block(BlockBytes block, LogicalAddress la);
// Whether `block` is exactly what format_block(la) writes; fails on the
// first non-zero user byte, so blocks holding data cost little.
bool is_formatted_block(ConstBlockBytes block, LogicalAddress la);
// The CD is checked first: a damaged block is reported as damaged even when
// its LA also differs.
BlockCheck verify(ConstBlockBytes block, LogicalAddress expected);

}  // namespace copysim::checkcode
