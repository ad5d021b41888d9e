#include "rtl/checkcode/crc.h"

#include <stdexcept>

namespace copysim::checkcode {

uint64_t reflect(uint64_t value, unsigned width) {
  uint64_t out = 0;
  for (unsigned i = 0; i < width; ++i) {
    out = (out << 1) | ((value >> i) & 1u);
  }
  return out;
}

Crc::Crc(const CrcModel& model)
    : model_(model),
      mask_(model.width == 64 ? ~uint64_t{0} : (uint64_t{1} << model.width) - 1),
      initial_(model.refin ? reflect(model.init, model.width) : model.init),
      align_(model.refin ? 0 : 64 - model.width) {
  if (model.width < 8 || model.width > 64) {
    throw std::invalid_argument("CRC width must be 8..64 bits");
  }
  const uint64_t rpoly = reflect(model.poly, model.width);
  const uint64_t apoly = model.poly << align_;
  auto& t = table_;
  for (unsigned byte = 0; byte < 256; ++byte) {
    uint64_t reg;
    if (model.refin) {
      reg = byte;
      for (int bit = 0; bit < 8; ++bit) reg = (reg & 1u) ? (reg >> 1) ^ rpoly : reg >> 1;
    } else {
      reg = uint64_t{byte} << 56;
      for (int bit = 0; bit < 8; ++bit) reg = (reg >> 63) ? (reg << 1) ^ apoly : reg << 1;
    }
    t[0][byte] = reg;
  }
  // t[k][b]: the effect of byte b followed by k zero bytes.
  for (unsigned k = 1; k < 8; ++k) {
    for (unsigned b = 0; b < 256; ++b) {
      const uint64_t prev = t[k - 1][b];
      t[k][b] = model.refin ? (prev >> 8) ^ t[0][prev & 0xffu] : (prev << 8) ^ t[0][prev >> 56];
    }
  }
}

uint64_t Crc::update(uint64_t reg, std::span<const uint8_t> bytes) const {
  const auto& t = table_;
  const uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  if (model_.refin) {
    for (; n >= 8; n -= 8, p += 8) {
      uint64_t x = 0;
      for (int i = 7; i >= 0; --i) x = (x << 8) | p[i];  // little-endian load
      x ^= reg;
      reg = t[7][x & 0xffu] ^ t[6][(x >> 8) & 0xffu] ^ t[5][(x >> 16) & 0xffu] ^
            t[4][(x >> 24) & 0xffu] ^ t[3][(x >> 32) & 0xffu] ^ t[2][(x >> 40) & 0xffu] ^
            t[1][(x >> 48) & 0xffu] ^ t[0][x >> 56];
    }
    for (; n > 0; --n, ++p) reg = (reg >> 8) ^ t[0][(reg ^ *p) & 0xffu];
    return reg;
  }
  reg <<= align_;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t x = 0;
    for (int i = 0; i < 8; ++i) x = (x << 8) | p[i];  // big-endian load
    x ^= reg;
    reg = t[7][x >> 56] ^ t[6][(x >> 48) & 0xffu] ^ t[5][(x >> 40) & 0xffu] ^
          t[4][(x >> 32) & 0xffu] ^ t[3][(x >> 24) & 0xffu] ^ t[2][(x >> 16) & 0xffu] ^
          t[1][(x >> 8) & 0xffu] ^ t[0][x & 0xffu];
  }
  for (; n > 0; --n, ++p) reg = (reg << 8) ^ t[0][(reg >> 56) ^ *p];
  return reg >> align_;
}

uint64_t Crc::finish(uint64_t reg) const {
  const uint64_t out = (model_.refin != model_.refout) ? reflect(reg, model_.width) : reg;
  return (out ^ model_.xorout) & mask_;
}

}  // namespace copysim::checkcode
