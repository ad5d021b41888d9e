// Where a volume lives: its device number, geometry, and the extent of the
// drive that holds it. The array lays volumes out when it is configured.
#pragma once

#include <cstdint>

#include "systemc/storage/geometry.h"

namespace copysim::sc {

class Drive;
class DiskAdapter;

struct Volume {
  uint16_t device = 0;
  VolumeGeometry geometry;
  Drive* drive = nullptr;
  DiskAdapter* adapter = nullptr;
  uint32_t port = 0;       // the adapter's back-end port the drive hangs on
  uint64_t first_lba = 0;  // the volume's block 0 on the drive

  uint64_t lba(uint64_t track, uint32_t block_in_track) const {
    return first_lba + track * geometry.blocks_per_track + block_in_track;
  }
};

}  // namespace copysim::sc
