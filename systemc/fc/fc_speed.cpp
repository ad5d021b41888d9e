#include "systemc/fc/fc_speed.h"

namespace copysim::sc {
namespace {

// 8GFC: 8b/10b. 16GFC: 64b/66b. 32GFC: 256b/257b transcoding with
// RS(528,514) FEC (FC-FS-4 clause 5.4). 64GFC: PAM4 at 28.9 GBd, 256b/257b
// with RS(544,514) FEC.
constexpr FcSpeed kSpeeds[] = {
    {"8GFC", 8.5, 1.0, 8.0 / 10.0},
    {"16GFC", 14.025, 1.0, 64.0 / 66.0},
    {"32GFC", 28.05, 1.0, (256.0 / 257.0) * (514.0 / 528.0)},
    {"64GFC", 28.9, 2.0, (256.0 / 257.0) * (514.0 / 544.0)},
};

}  // namespace

std::optional<FcSpeed> fc_speed(std::string_view name) {
  for (const auto& s : kSpeeds) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

uint64_t fc_wire_bytes(uint64_t payload, uint32_t max_payload) {
  const uint64_t frames = payload == 0 ? 1 : (payload + max_payload - 1) / max_payload;
  return payload + frames * (kFcFrameOverhead + kFcInterFrameIdle);
}

}  // namespace copysim::sc
