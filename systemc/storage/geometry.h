// Volume geometry. A volume is a sequence of tracks; a track holds a whole
// number of 520-byte stored blocks (docs/BLOCK_FORMAT.md). CKD volumes take
// the IBM 3390 geometry: 56,664 bytes of user data per track, stored as
// ceil(56,664 / 512) = 111 blocks, 15 tracks per cylinder. Fixed-block (FBA)
// volumes have a configurable track size, 64 KiB (128 blocks) by default.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace copysim::sc {

enum class VolumeKind { ckd, fba };

struct VolumeGeometry {
  VolumeKind kind = VolumeKind::fba;
  std::string model;  // "3390-3", or "FBA" for fixed-block volumes
  uint64_t tracks = 0;
  uint32_t track_bytes = 0;       // user bytes per track
  uint32_t blocks_per_track = 0;  // stored blocks per track
  uint32_t tracks_per_cylinder = 1;

  uint64_t blocks() const { return tracks * blocks_per_track; }
  uint64_t capacity_bytes() const { return tracks * track_bytes; }
};

inline constexpr uint32_t k3390TrackBytes = 56664;
inline constexpr uint32_t k3390TracksPerCylinder = 15;

struct Ckd3390Model {
  std::string_view name;
  uint32_t cylinders;  // primary cylinders
};
std::span<const Ckd3390Model> ckd_3390_models();

// Throws std::invalid_argument naming the known models.
VolumeGeometry ckd_3390(std::string_view model);
VolumeGeometry fba_volume(uint64_t tracks, uint32_t track_kib = 64);

}  // namespace copysim::sc
