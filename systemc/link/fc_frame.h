// Fibre Channel frames as bytes (FC-FS): a 24-byte header, up to 2,112
// bytes of payload and a CRC-32 over header and payload, checked by the
// receiver. SOF, EOF and the idles between frames are counted on the line
// but not stored.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace copysim::sc {

// Header fields the model uses (FC-FS frame header word layout).
struct FcHeader {
  uint8_t r_ctl = 0;    // routing and information category
  uint32_t d_id = 0;    // 24-bit destination port
  uint32_t s_id = 0;    // 24-bit source port
  uint8_t type = 0x08;  // 0x08: SCSI-FCP
  uint32_t f_ctl = 0;   // 24-bit frame control
  uint8_t seq_id = 0;
  uint16_t seq_cnt = 0;     // frame number within its sequence
  uint16_t ox_id = 0;       // originator exchange id
  uint16_t rx_id = 0xffff;  // responder exchange id
  uint32_t parameter = 0;   // relative offset of the payload in the exchange
};

// R_CTL values of FCP information units.
inline constexpr uint8_t kRctlData = 0x01;      // FCP_DATA
inline constexpr uint8_t kRctlXferRdy = 0x05;   // FCP_XFER_RDY
inline constexpr uint8_t kRctlCommand = 0x06;   // FCP_CMND
inline constexpr uint8_t kRctlResponse = 0x07;  // FCP_RSP

inline constexpr uint32_t kFcHeaderBytes = 24;
inline constexpr uint32_t kFcCrcBytes = 4;

// Header + payload + CRC-32 (CRC-32/ISO-HDLC, appended least significant
// byte first as FC transmits it).
std::vector<uint8_t> build_frame(const FcHeader& header, std::span<const uint8_t> payload);
// True when the frame's CRC matches its header and payload.
bool frame_crc_ok(std::span<const uint8_t> frame);
FcHeader parse_header(std::span<const uint8_t> frame);

}  // namespace copysim::sc
