// Faults a testbench or a scenario injects into the platform. Link faults
// are FcLink's own (set_up, corrupt_frame, drop_next_message,
// delay_next_message, lose_credits); these are the array's, and those made
// of several steps. Each fault's expected reaction is in
// docs/VERIFICATION.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "systemc/array/storage_array.h"
#include "systemc/link/fc_link.h"

namespace copysim::sc::fault {

// A media error on read: one bit flipped on the drive under the block.
void damage_block(StorageArray& array, uint16_t device, uint64_t block);
// A media error on write: the next write of the block to its drive fails
// until the disk adapter reassigns it.
void fail_next_write(StorageArray& array, uint16_t device, uint64_t block);
// Other work keeps every processor of the array busy for `duration_ps`
// (returns at once; the work runs in processes of its own).
void occupy_processors(StorageArray& array, uint64_t duration_ps);
// From a thread process: other work pins every cache slot it can get
// until `duration_ps` from now, then lets them go. Returns the slots held.
uint64_t hold_cache(StorageArray& array, uint64_t duration_ps);
// Drive loss: array drive `drive` (numbered across the array; drive d is
// member d mod w of parity group d / w) stops answering. The disk adapter
// finds it by its timeout. With `rebuild_after_ps`, that long after the
// loss the array checks the drive (finding it failed if no IO has) and
// rebuilds it onto a spare at the group's rate (spawned; returns at once).
void lose_drive(StorageArray& array, uint32_t drive, std::optional<uint64_t> rebuild_after_ps);
// The next `frames` frames sent in direction `d` fail their CRC.
void corrupt_next_frames(FcLinkDirection& d, uint64_t frames);
// A power loss: `links` go dark and the array's volatile cache loses its
// write-pending data; `duration_ps` later the links come back up and
// `restored` gets the volumes that lost data (what the array reports when
// power returns). Returns those volumes at once.
std::vector<uint16_t> lose_power(StorageArray& array, std::vector<FcLink*> links,
                                 uint64_t duration_ps,
                                 std::function<void(const std::vector<uint16_t>&)> restored);

}  // namespace copysim::sc::fault
