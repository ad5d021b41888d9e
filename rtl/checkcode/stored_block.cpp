#include "rtl/checkcode/stored_block.h"

#include "rtl/checkcode/crc.h"

#include <algorithm>
#include <array>

namespace copysim::checkcode {
namespace {

const Crc& t10dif() {
  static const Crc crc(kCrc16T10Dif);
  return crc;
}

void put_be(uint8_t* p, uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    p[i] = static_cast<uint8_t>(value >> (8 * (bytes - 1 - i)));
  }
}

uint64_t get_be(const uint8_t* p, std::size_t bytes) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// The CRC register after 512 zero bytes: where every formatted block's
// check code starts its LA.
uint16_t zero_user_data_register() {
  static const uint16_t reg = [] {
    const std::array<uint8_t, kUserDataBytes> zeros{};
    return static_cast<uint16_t>(t10dif().update(0, zeros));
  }();
  return reg;
}

}  // namespace

std::string_view to_string(BlockCheck check) {
  switch (check) {
    case BlockCheck::ok:
      return "ok";
    case BlockCheck::check_code_mismatch:
      return "check code mismatch";
    case BlockCheck::address_mismatch:
      return "logical address mismatch";
  }
  return "unknown";
}

uint16_t compute_check_code(ConstBlockBytes block) {
  return static_cast<uint16_t>(t10dif().update(0, block.first(kCheckCodeOffset)));
}

uint16_t extend_check_code(uint16_t reg, LogicalAddress la) {
  uint8_t bytes[kLaBytes];
  put_be(bytes, la.device, 2);
  put_be(bytes + 2, la.block, 4);
  return static_cast<uint16_t>(t10dif().update(reg, bytes));
}

LogicalAddress read_la(ConstBlockBytes block) {
  const uint8_t* p = block.data() + kLaOffset;
  return {static_cast<uint16_t>(get_be(p, 2)), static_cast<uint32_t>(get_be(p + 2, 4))};
}

uint16_t read_check_code(ConstBlockBytes block) {
  return static_cast<uint16_t>(get_be(block.data() + kCheckCodeOffset, 2));
}

void write_la(BlockBytes block, LogicalAddress la) {
  uint8_t* p = block.data() + kLaOffset;
  put_be(p, la.device, 2);
  put_be(p + 2, la.block, 4);
}

void write_check_code(BlockBytes block, uint16_t cd) {
  put_be(block.data() + kCheckCodeOffset, cd, 2);
}

void stamp(BlockBytes block, LogicalAddress la) {
  write_la(block, la);
  write_check_code(block, compute_check_code(block));
}

void format_block(BlockBytes block, LogicalAddress la) {
  std::fill(block.begin(), block.end(), uint8_t{0});
  write_la(block, la);
  write_check_code(block, extend_check_code(zero_user_data_register(), la));
}

bool is_formatted_block(ConstBlockBytes block, LogicalAddress la) {
  const auto user = block.first<kUserDataBytes>();
  if (std::any_of(user.begin(), user.end(), [](uint8_t b) { return b != 0; })) return false;
  return read_la(block) == la &&
         read_check_code(block) == extend_check_code(zero_user_data_register(), la);
}

BlockCheck verify(ConstBlockBytes block, LogicalAddress expected) {
  if (compute_check_code(block) != read_check_code(block)) return BlockCheck::check_code_mismatch;
  if (read_la(block) != expected) return BlockCheck::address_mismatch;
  return BlockCheck::ok;
}

}  // namespace copysim::checkcode
