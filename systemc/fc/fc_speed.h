// Fibre Channel speeds: line rate and encoding from the standards
// (shared/reference/fc_link_reference.csv), and the frame overhead that sits
// between a port's line rate and the payload it carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace copysim::sc {

struct FcSpeed {
  std::string_view name;  // "16GFC"
  double line_rate_gbaud;
  double bits_per_baud;      // 2 for PAM4 (64GFC), 1 otherwise
  double coding_efficiency;  // payload bits per line bit after encoding and FEC

  // Bytes per second of encoded data on the line.
  double data_bytes_per_second() const {
    return line_rate_gbaud * 1e9 * bits_per_baud * coding_efficiency / 8.0;
  }
};

std::optional<FcSpeed> fc_speed(std::string_view name);

// Frame layout (FC-FS): SOF 4 + header 24 + payload + CRC 4 + EOF 4 bytes,
// and at least 6 idle words (24 bytes) before the next frame.
inline constexpr uint32_t kFcMaxPayload = 2112;
inline constexpr uint32_t kFcFrameOverhead = 4 + 24 + 4 + 4;
inline constexpr uint32_t kFcInterFrameIdle = 24;

// Bytes on the line to carry `payload` bytes in frames of at most
// `max_payload` bytes each.
uint64_t fc_wire_bytes(uint64_t payload, uint32_t max_payload = 2048);

}  // namespace copysim::sc
