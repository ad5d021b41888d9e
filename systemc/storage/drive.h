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
// loses only the switch.
//
// Queueing (docs/PLATFORM.md, "Drive queue"): commands enter a tagged
// command queue of `queue_depth` slots (more wait for a slot in arrival
// order, as an initiator holds commands a drive has no tag for) and a
// server process takes them one at a time in the order the scheduler
// chooses: first come first served, elevator (LOOK), or shortest access
// time first, each with an age limit so that no command starves. Host
// commands are chosen before background ones, which still get a
// configurable share of the picks. After a
// read the drive reads ahead into its buffer until the next command comes;
// a read of blocks the read-ahead has reached, or is about to reach, is
// served from the stream without a new seek or rotational wait.
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
#include <string_view>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "rtl/checkcode/stored_block.h"

namespace copysim::sc {

enum class DriveScheduler { fifo, elevator, satf };
std::string_view to_string(DriveScheduler s);
std::optional<DriveScheduler> parse_drive_scheduler(std::string_view s);

struct DriveConfig {
  double rpm = 15000;
  uint32_t cylinders = 100000;
  uint32_t heads = 8;
  uint32_t blocks_per_track = 1200;  // 520-byte sectors per drive track
  double track_to_track_ms = 0.2;
  double full_stroke_ms = 7.0;
  double head_switch_ms = 0.1;
  double controller_overhead_us = 10.0;
  uint32_t queue_depth = 32;  // tagged commands the drive accepts at once
  DriveScheduler scheduler = DriveScheduler::satf;
  double max_queue_wait_ms = 500.0;   // a command older than this is served next
  uint32_t read_ahead_blocks = 2048;  // one buffer segment (1 MiB of 520-byte sectors)
  // While host commands wait, the share of picks background commands
  // (copies, prefetch, destage below the high-water mark, rebuild) get.
  double background_share = 0.2;

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
  uint64_t write_faults = 0;      // writes ended by a medium error
  uint64_t reassigned = 0;        // blocks moved to spares
  uint64_t read_ahead_hits = 0;   // reads served from the read-ahead stream
  uint64_t queue_wait_ps = 0;     // summed over commands: arrival to service start
  uint32_t max_outstanding = 0;   // commands queued or in service at once, at peak
  uint64_t tag_waits = 0;         // commands that found every queue slot taken
  uint64_t aged = 0;              // commands served first because of their age
  uint64_t background = 0;        // background commands served
  uint64_t background_waits = 0;  // picks that served a host command over a waiting background one
};

// What an unwritten block holds, when a drive's owner (a parity group)
// says so instead of the drive's own formatted extents.
class DriveFormat {
 public:
  virtual ~DriveFormat() = default;
  virtual void fill(uint64_t lba, std::span<uint8_t, checkcode::kStoredBlockBytes> out) const = 0;
};

// One command in a drive's queue. Submitted from any process; `out` and
// `in` must stay valid until it is done.
struct DriveCommand {
  enum class Kind { read, write, reassign };
  // Host commands go first; background commands get `background_share` of
  // the picks while host commands wait.
  enum class Priority { host, background };
  Kind kind = Kind::read;
  Priority priority = Priority::host;
  uint64_t lba = 0;
  uint32_t blocks = 0;
  std::span<uint8_t> out;       // read: blocks x 520 bytes
  std::span<const uint8_t> in;  // write: blocks x 520 bytes
  DriveWriteResult result;      // write: where a medium error stopped it
  // The initiator's timer ran out: the drive never answered (it failed).
  bool timed_out = false;
  uint64_t timeout_ps = 0;  // the initiator's timer, from submission
  // Filled in by the drive (for a timed-out command: when the timer ends).
  uint64_t arrival_ps = 0;
  uint64_t sequence = 0;
  bool done = false;
  sc_core::sc_event finished;
};

class Drive {
 public:
  Drive(std::string name, DriveConfig config);

  const std::string& name() const { return name_; }
  const DriveConfig& config() const { return config_; }
  const DriveStats& stats() const { return stats_; }
  // Busy time in [0, now]: a command in service counts only up to now.
  uint64_t busy_ps_by(uint64_t now) const {
    return busy_ && service_end_ps_ > now ? stats_.busy_ps - (service_end_ps_ - now)
                                          : stats_.busy_ps;
  }
  // Commands queued or in service.
  std::size_t outstanding() const { return queue_.size() + (busy_ ? 1 : 0); }

  // Declares that [first_lba, first_lba + blocks) holds a formatted volume
  // extent whose first block has logical address `first`.
  void format_extent(uint64_t first_lba, uint64_t blocks, checkcode::LogicalAddress first);

  // Queues a command and returns at once; the drive serves it in the order
  // its scheduler chooses. `wait` (from a thread process) returns when it
  // is done, its data copied.
  // A failed drive never answers: its commands end when the initiator's
  // `timeout_ps` runs out, with `timed_out` set.
  void submit(DriveCommand& command, uint64_t timeout_ps = 0);
  static void wait(DriveCommand& command);

  // Drive loss: from now on the drive answers nothing.
  // Commands queued or in service are never answered either: each ends
  // when its initiator's timer runs out.
  void fail();
  bool failed() const { return failed_; }
  // Unwritten blocks read as `format` says (not owned; must outlive the drive).
  void set_format(const DriveFormat* format) { format_ = format; }
  // The blocks that differ from their formatted content, in order.
  std::vector<uint64_t> stored_lbas() const;

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
  // Seek plus rotational wait to reach `lba` from the arm's position for a
  // command starting at `start_ps` (the arm does not move).
  uint64_t positioning_ps(uint64_t start_ps, uint64_t lba) const;
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
  using Command = DriveCommand;
  using Kind = DriveCommand::Kind;
  void run();
  Command* pick();
  Command* schedule(const std::vector<Command*>& candidates);
  bool continues_stream(const Command& c) const;
  uint64_t service_ps(Command& c, uint64_t start);
  uint64_t overhead_ps() const;
  uint64_t start_ps(const Command& c, uint64_t now) const;
  void apply(Command& c);

  std::string name_;
  DriveConfig config_;
  uint64_t rev_ps_;
  uint64_t head_skew_;      // sectors passing during a head switch
  uint64_t cylinder_skew_;  // sectors passing during a one-cylinder seek
  uint32_t cylinder_ = 0;
  uint32_t head_ = 0;
  // In arrival order; the first queue_depth hold the drive's tags, the
  // rest wait at the initiator.
  std::vector<Command*> queue_;
  sc_core::sc_event queued_;
  bool server_started_ = false;
  bool failed_ = false;
  const DriveFormat* format_ = nullptr;
  bool busy_ = false;
  Command* in_service_ = nullptr;
  uint64_t service_end_ps_ = 0;
  bool sweeping_up_ = true;       // the elevator's direction
  double background_credit_ = 0;  // grows by background_share per host pick over background
  std::vector<Command*> pick_host_, pick_background_;
  uint64_t next_sequence_ = 0;
  // The read-ahead: where and when it began, and the first block the
  // host has not yet taken from it.
  bool streaming_ = false;
  struct Stream {
    uint64_t start_ps;
    uint64_t lba;
    uint32_t cylinder;
    uint32_t head;
  } stream_{};
  uint64_t stream_lba_ = 0;
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
