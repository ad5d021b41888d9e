// Check-code engines: CRCs defined by the parameters of the reveng CRC
// catalogue, so that each one is proven against the catalogue's published
// check value rather than against itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace copysim::checkcode {

// One catalogue entry (names and fields as in the reveng catalogue).
struct CrcModel {
  std::string_view name;
  unsigned width;  // 8..64 bits
  uint64_t poly;   // normal (non-reflected) form
  uint64_t init;
  bool refin;
  bool refout;
  uint64_t xorout;
  uint64_t check;    // CRC of the nine ASCII bytes "123456789"
  uint64_t residue;  // register after a codeword, before refout and xorout
};

inline constexpr CrcModel kCrc16T10Dif{"CRC-16/T10-DIF", 16,     0x8bb7, 0x0000, false, false,
                                       0x0000,           0xd0db, 0x0000};
inline constexpr CrcModel kCrc32C{"CRC-32/ISCSI", 32,         0x1edc6f41, 0xffffffff, true,
                                  true,           0xffffffff, 0xe3069283, 0xb798b438};
inline constexpr CrcModel kCrc32IsoHdlc{
    "CRC-32/ISO-HDLC", 32, 0x04c11db7, 0xffffffff, true, true, 0xffffffff, 0xcbf43926, 0xdebb20e3};
inline constexpr CrcModel kCrc64Nvme{"CRC-64/NVME",
                                     64,
                                     0xad93d23594c93659,
                                     0xffffffffffffffff,
                                     true,
                                     true,
                                     0xffffffffffffffff,
                                     0xae8b14860a799888,
                                     0xf310303b2b6f6e42};

// Table-driven engine for one model, eight bytes per step (slicing-by-8) and
// byte by byte for the rest. The register is kept in the model's own bit
// order (reflected when refin), so update() can be resumed across calls and
// across beats of a data path.
class Crc {
 public:
  explicit Crc(const CrcModel& model);

  const CrcModel& model() const { return model_; }
  uint64_t initial() const { return initial_; }
  uint64_t update(uint64_t reg, std::span<const uint8_t> bytes) const;
  // The CRC value as the catalogue states it (refout and xorout applied).
  uint64_t finish(uint64_t reg) const;
  uint64_t compute(std::span<const uint8_t> bytes) const { return finish(update(initial_, bytes)); }

 private:
  CrcModel model_;
  uint64_t mask_;
  uint64_t initial_;
  // Non-reflected models keep the register aligned to bit 63 inside
  // update(), so one set of tables serves every width.
  unsigned align_;
  std::array<std::array<uint64_t, 256>, 8> table_{};
};

uint64_t reflect(uint64_t value, unsigned width);

}  // namespace copysim::checkcode
