// What the status bridge carries back (seed 002): one record per track
// moved from the secondary data bridge to its secondary volume, packed
// into 512-byte blocks that are written to the primary status bridge
// volume and sent to the secondary status bridge volume like any data.
//
// Block layout, big-endian: "SB" (2), record count (2), reserved (12), then
// up to 20 records of 24 bytes: bridge track (4), the write's sequence
// number (4), source device (2), final device (2), final track (4), result
// (1: 0 good, 1 failed), reserved (7).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace copysim::fw {

struct StatusRecord {
  uint32_t bridge_track = 0;  // the secondary data bridge slot, now free
  uint32_t sequence = 0;      // of the write that filled it
  uint16_t source_device = 0;
  uint16_t final_device = 0;
  uint32_t final_track = 0;
  bool good = true;
  bool operator==(const StatusRecord&) const = default;
};

inline constexpr std::size_t kStatusBlockBytes = 512;
inline constexpr std::size_t kStatusRecordsPerBlock = 20;

// At most kStatusRecordsPerBlock records; throws std::invalid_argument otherwise.
std::vector<uint8_t> encode_status_block(std::span<const StatusRecord> records);
// Throws std::invalid_argument naming what is wrong (size, marker, count).
std::vector<StatusRecord> decode_status_block(std::span<const uint8_t> block);

}  // namespace copysim::fw
