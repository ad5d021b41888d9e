// Where a volume lives: its device number, geometry, and the extent of the
// parity group that holds it. The array lays volumes out when it is
// configured.
#pragma once

#include <cstdint>

#include "systemc/storage/geometry.h"

namespace copysim::sc {

class ParityGroup;
class DiskAdapter;

struct Volume {
  uint16_t device = 0;
  VolumeGeometry geometry;
  ParityGroup* group = nullptr;
  DiskAdapter* adapter = nullptr;
  uint64_t first_lba = 0;  // the volume's block 0 in the group

  uint64_t lba(uint64_t track, uint32_t block_in_track) const {
    return first_lba + track * geometry.blocks_per_track + block_in_track;
  }
};

}  // namespace copysim::sc
