// A disk drive: mechanical timing and a sparse store of real stored blocks.
//
// Timing (docs/PLATFORM.md, "Drives"): an access pays the controller
// overhead (hidden when the command waited behind another, as a drive
// decodes queued commands while it transfers), a seek of d cylinders
//     seek(d) = 0                                              d = 0
//             = t2t + (full - t2t) * sqrt((d - 1) / (C - 2))   d >= 1
// (track-to-track for one cylinder, full stroke for C - 1), a head switch
// when only the head changes, the rotational wait until the first sector
// passes under the head, and one sector time per block. The platter turns
// from time 0; tracks are skewed as drives are formatted, by the sectors
// that pass during a head switch (and during a one-cylinder seek at a
// cylinder boundary), so that a transfer running over a track boundary
// loses only the switch. Requests are served one at a time in arrival order.
//
// Data: 520-byte sectors holding stored blocks. Only blocks that differ
// from their formatted content take memory; an unwritten block of a
// formatted extent reads as zeros stamped with the extent's logical
// address, as a freshly formatted volume does.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>

#include <systemc>

#include "rtl/checkcode/stored_block.h"

namespace copysim::sc {

struct DriveConfig {
  double rpm = 15000;
  uint32_t cylinders = 100000;
  uint32_t heads = 8;
  uint32_t blocks_per_track = 1200;  // 520-byte sectors per drive track
  double track_to_track_ms = 0.2;
  double full_stroke_ms = 7.0;
  double head_switch_ms = 0.1;
  double controller_overhead_us = 10.0;

  uint64_t blocks() const { return uint64_t{cylinders} * heads * blocks_per_track; }
  uint64_t revolution_ps() const;
  double media_bytes_per_second() const;
};

struct DriveWriteResult {
  bool ok = true;
  uint64_t bad_lba = 0;  // the first block not written, when !ok
};

struct DriveStats {
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t blocks_read = 0;
  uint64_t blocks_written = 0;
  uint64_t seek_ps = 0;
  uint64_t rotation_ps = 0;
  uint64_t transfer_ps = 0;
  uint64_t busy_ps = 0;
  uint64_t write_faults = 0;  // writes ended by a medium error
  uint64_t reassigned = 0;    // blocks moved to spares
};

class Drive {
 public:
  Drive(std::string name, DriveConfig config);

  const std::string& name() const { return name_; }
  const DriveConfig& config() const { return config_; }
  const DriveStats& stats() const { return stats_; }

  // Declares that [first_lba, first_lba + blocks) holds a formatted volume
  // extent whose first block has logical address `first`.
  void format_extent(uint64_t first_lba, uint64_t blocks, checkcode::LogicalAddress first);

  // From a thread process: wait for the arm, move, transfer, and copy the
  // blocks. `out`/`in` hold blocks x 520 bytes.
  void read(uint64_t lba, uint32_t blocks, std::span<uint8_t> out);
  // A write reaching a block with a write fault stops there: the blocks
  // before it are written, and the result names the faulty block.
  // The drive's time is that of the whole command (the error comes at its
  // end, as with SCSI).
  [[nodiscard]] DriveWriteResult write(uint64_t lba, uint32_t blocks, std::span<const uint8_t> in);
  // From a thread process: REASSIGN BLOCKS, the block moved to a spare
  // sector (one revolution plus the controller's overhead); its old content
  // is gone until rewritten.
  void reassign(uint64_t lba);
  // The stored block as it is on the media now, taking no simulated time
  // (a testbench's backdoor, never the data path).
  void peek(uint64_t lba, std::span<uint8_t, checkcode::kStoredBlockBytes> out) const;

  // The mechanical time (seek, rotation, transfer) of an access whose
  // command is decoded at `start_ps`, with the arm where it is now; moves the
  // arm (no data, no waiting).
  uint64_t access_ps(uint64_t start_ps, uint64_t lba, uint32_t blocks, DriveStats* stats);
  uint64_t seek_ps(uint32_t cylinders) const;
  // Sector at angle 0 of drive track `track` (cylinder * heads + head).
  uint64_t skew_sectors(uint64_t track) const;
  uint32_t arm_cylinder() const { return cylinder_; }

  // Fault injection: the next write to `lba` fails with a medium error (no
  // automatic reallocation), until the block is reassigned.
  void fail_writes_to(uint64_t lba);
  // Fault injection: flips one bit of a stored block on the media.
  void corrupt_block(uint64_t lba, unsigned bit);
  // Fault injection: a misdirected write, the block at `from` written to `to`.
  void misdirect_block(uint64_t from, uint64_t to);
  std::size_t stored_blocks() const { return store_.size(); }

 private:
  using Block = std::array<uint8_t, checkcode::kStoredBlockBytes>;
  void check_range(uint64_t lba, uint32_t blocks, std::size_t bytes) const;
  void fill_formatted(uint64_t lba, std::span<uint8_t, checkcode::kStoredBlockBytes> out) const;
  bool is_formatted(uint64_t lba,
                    std::span<const uint8_t, checkcode::kStoredBlockBytes> block) const;
  std::optional<checkcode::LogicalAddress> formatted_address(uint64_t lba) const;
  void serve(uint64_t lba, uint32_t blocks, bool is_write);

  std::string name_;
  DriveConfig config_;
  uint64_t rev_ps_;
  uint64_t head_skew_;      // sectors passing during a head switch
  uint64_t cylinder_skew_;  // sectors passing during a one-cylinder seek
  uint32_t cylinder_ = 0;
  uint32_t head_ = 0;
  uint64_t free_at_ps_ = 0;
  DriveStats stats_;
  std::unordered_map<uint64_t, Block> store_;
  std::set<uint64_t> write_faults_;
  struct Extent {
    uint64_t blocks;
    checkcode::LogicalAddress first;
  };
  std::map<uint64_t, Extent> extents_;  // by first LBA
};

}  // namespace copysim::sc
