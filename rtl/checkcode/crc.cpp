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
      initial_(model.refin ? reflect(model.init, model.width) : model.init) {
  if (model.width < 8 || model.width > 64) {
    throw std::invalid_argument("CRC width must be 8..64 bits");
  }
  const uint64_t top = uint64_t{1} << (model.width - 1);
  const uint64_t rpoly = reflect(model.poly, model.width);
  for (unsigned byte = 0; byte < 256; ++byte) {
    uint64_t reg;
    if (model.refin) {
      reg = byte;
      for (int bit = 0; bit < 8; ++bit) reg = (reg & 1u) ? (reg >> 1) ^ rpoly : reg >> 1;
    } else {
      reg = uint64_t{byte} << (model.width - 8);
      for (int bit = 0; bit < 8; ++bit) reg = (reg & top) ? (reg << 1) ^ model.poly : reg << 1;
    }
    table_[byte] = reg & mask_;
  }
}

uint64_t Crc::update(uint64_t reg, std::span<const uint8_t> bytes) const {
  if (model_.refin) {
    for (uint8_t b : bytes) reg = (reg >> 8) ^ table_[(reg ^ b) & 0xffu];
  } else {
    const unsigned shift = model_.width - 8;
    for (uint8_t b : bytes) reg = ((reg << 8) ^ table_[((reg >> shift) ^ b) & 0xffu]) & mask_;
  }
  return reg;
}

uint64_t Crc::finish(uint64_t reg) const {
  const uint64_t out = (model_.refin != model_.refout) ? reflect(reg, model_.width) : reg;
  return (out ^ model_.xorout) & mask_;
}

}  // namespace copysim::checkcode
