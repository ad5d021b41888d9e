// A parity group: drives that hold volumes together, striped in chunks,
// with real parity (docs/PLATFORM.md, "Parity groups").
//
// Layout: the group's block space is cut into stripes of `data_drives`
// chunks of `chunk_blocks` blocks. RAID-0 puts chunk i of stripe s on drive
// i; RAID-1 (nD+nD) also writes it to drive i + n, and reads it from
// whichever of the two has fewer commands outstanding; RAID-5 rotates its
// parity chunk P over the drives (left symmetric: stripe s has P on drive
// w - 1 - s mod w, and data from the drive after it); RAID-6 puts Q on the
// drive after P. P is the XOR of the stripe's data, Q the sum of g^i D_i in
// GF(2^8) (g = 2, polynomial 0x11d): the RAID-6 code Intel ISA-L computes,
// which does the arithmetic here.
//
// Writes: a write that covers a stripe's data computes P and Q from it and
// writes every drive of the stripe with no read (a full-stripe write);
// otherwise each touched data piece and the parity under it are read, the
// parity updated by the difference, and all written back
// (read-modify-write: 2 reads + 2 writes for a small RAID-5 write, 3 + 3
// for RAID-6). Operations on one stripe are serialized by a stripe lock,
// as a controller must, or two read-modify-writes would lose an update.
//
// Drive loss: a failed drive takes no commands. A read of its chunks is
// rebuilt from the rest of the stripe (every surviving drive read); a write
// to a degraded stripe writes what survives, so that the lost chunk is
// still defined by the rest. Losing more drives than the code covers
// makes the blocks on them unreadable: reads fail loudly with a media
// error, never with wrong bytes. A rebuild onto a spare (`rebuild`)
// reconstructs every stripe of the failed drive at a configurable rate.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <systemc>

#include "rtl/checkcode/stored_block.h"
#include "systemc/common/resource.h"
#include "systemc/storage/drive.h"

namespace copysim::sc {

enum class RaidLevel { raid0, raid1, raid5, raid6 };
std::string_view to_string(RaidLevel level);
std::optional<RaidLevel> parse_raid_level(std::string_view s);

struct ParityGroupConfig {
  RaidLevel raid = RaidLevel::raid5;
  uint32_t data_drives = 3;     // 3D+1P
  uint32_t chunk_blocks = 128;  // the stripe unit: 64 KiB of user data
  double rebuild_mb_per_s = 50.0;
  double drive_timeout_ms = 2000.0;  // the adapter's timer on a drive command

  uint32_t parity_drives() const;
  uint32_t width() const;     // drives in one group
  std::string label() const;  // "RAID-5 3D+1P"
};

struct ParityGroupStats {
  uint64_t reads = 0;  // group operations
  uint64_t writes = 0;
  uint64_t full_stripe_writes = 0;
  uint64_t read_modify_writes = 0;  // stripes written by read-modify-write
  uint64_t drive_reads = 0;         // drive commands the group issued
  uint64_t drive_writes = 0;
  uint64_t degraded_reads = 0;     // chunk pieces rebuilt from the rest of their stripe
  uint64_t unreadable_blocks = 0;  // blocks beyond what the code can rebuild
  uint64_t unwritable_blocks = 0;  // blocks whose drives are lost beyond it
  uint64_t write_reassigns = 0;    // drive medium errors on write, reassigned
  uint64_t stripe_lock_waits = 0;
  uint64_t rebuilt_stripes = 0;
  uint64_t unrebuilt_blocks = 0;    // damaged beside a lost drive: written as unreadable
  uint64_t recomputed_stripes = 0;  // old data failed its check: parity from the whole stripe
  uint64_t drive_timeouts = 0;      // commands a failed drive never answered
};

// What a group read returns: the first block it could not rebuild, if any.
struct GroupReadResult {
  bool ok = true;
  std::vector<uint64_t> unreadable;  // group blocks
};

struct GroupWriteResult {
  uint32_t reassigned = 0;     // drive blocks moved to spares and rewritten
  std::vector<uint64_t> lost;  // group blocks that could not be stored
};

class ParityGroup {
 public:
  ParityGroup(std::string name, ParityGroupConfig config, std::vector<Drive*> drives);
  ~ParityGroup();
  ParityGroup(const ParityGroup&) = delete;
  ParityGroup& operator=(const ParityGroup&) = delete;

  const std::string& name() const { return name_; }
  const ParityGroupConfig& config() const { return config_; }
  const ParityGroupStats& stats() const { return stats_; }
  uint64_t blocks() const { return blocks_; }
  uint32_t width() const { return static_cast<uint32_t>(drives_.size()); }
  Drive& drive(uint32_t member) { return *drives_.at(member); }

  // During elaboration: member `member` transfers over `port` (a back-end
  // port of the disk adapter), each transfer taking `path`'s time.
  void attach_port(uint32_t member, Resource& port, const ClockedPath& path);

  // Declares that group blocks [first, first + blocks) hold a formatted
  // volume extent whose first block has logical address `la`.
  void format_extent(uint64_t first, uint64_t blocks, checkcode::LogicalAddress la);

  // From a thread process. `out`/`in` hold blocks x 520 bytes; `priority`
  // is that of every drive command the operation issues.
  using Priority = DriveCommand::Priority;
  GroupReadResult read(uint64_t lba, uint32_t blocks, std::span<uint8_t> out,
                       Priority priority = Priority::host);
  // Medium errors on a drive write are reassigned and rewritten (the data is
  // in hand). Blocks whose drives are lost beyond what the code covers
  // cannot be written: the result names them.
  GroupWriteResult write(uint64_t lba, uint32_t blocks, std::span<const uint8_t> in,
                         Priority priority = Priority::host);

  // The stored block as the group holds it now (rebuilt if its drive has
  // failed), taking no simulated time; nullopt if it cannot be rebuilt.
  bool peek(uint64_t lba, std::span<uint8_t, checkcode::kStoredBlockBytes> out) const;

  // A run of blocks within one chunk of one stripe.
  struct Piece {
    uint64_t stripe;
    uint32_t index;   // data chunk
    uint32_t offset;  // block within the chunk
    uint32_t count;
    uint64_t pos;  // block within the operation's buffer
  };

  // Where a data block lives.
  struct Place {
    uint32_t member;
    uint64_t lba;
  };
  Place place(uint64_t lba) const;

  // Drive loss, as the adapter finds it: the first command the member does
  // not answer within the timeout marks it failed; reads are rebuilt
  // from the rest of their stripe from then on.
  void fail_drive(uint32_t member);  // the fault: the drive stops answering
  // From a thread process: the adapter's periodic check of a member (a
  // one-block read); a member that does not answer is marked failed.
  // Returns whether it answered.
  bool probe(uint32_t member);
  bool failed(uint32_t member) const { return failed_.count(member) != 0; }
  std::size_t failed_drives() const { return failed_.size(); }
  // From a thread process: replaces the failed `member` by a spare (a fresh
  // drive of the same model) and rebuilds every stripe onto it, paced at
  // the configured rate. Returns when done.
  void rebuild(uint32_t member);
  bool rebuilding() const { return rebuilding_; }
  // Reads and writes under way (not a rebuild): while a write is under way
  // its stripe's drives hold a mix of old and new data and parity.
  uint32_t operations_in_flight() const { return in_flight_; }

  // Testbench backdoor: whether every stripe's stored parity matches its
  // data (P XOR and Q in GF(2^8)); returns the first stripe that does not.
  std::optional<uint64_t> check_parity() const;

  // Member roles in a stripe.
  enum class Role { data, mirror, p, q };
  struct Slot {
    Role role;
    uint32_t index;  // data chunk index (data, mirror)
  };
  Slot role(uint32_t member, uint64_t stripe) const;
  uint32_t member_of(uint64_t stripe, uint32_t data_index) const;
  uint32_t p_member(uint64_t stripe) const;
  uint32_t q_member(uint64_t stripe) const;

 private:
  class MemberFormat;
  using Block = std::array<uint8_t, checkcode::kStoredBlockBytes>;

  void fill_formatted_data(uint64_t group_lba, std::span<uint8_t> out) const;
  void formatted_member_block(uint32_t member, uint64_t member_lba,
                              std::span<uint8_t, checkcode::kStoredBlockBytes> out) const;
  void encode(uint64_t len, std::vector<const uint8_t*> data, std::vector<uint8_t*> parity) const;
  void update(uint64_t len, uint32_t index, const uint8_t* delta,
              std::vector<uint8_t*> parity) const;
  std::vector<bool> reconstruct(uint64_t stripe, uint64_t offset, uint32_t blocks,
                                std::map<uint32_t, std::vector<uint8_t>>& rows) const;
  bool reconstruct_rows(uint64_t stripe, uint32_t blocks,
                        std::map<uint32_t, std::vector<uint8_t>>& rows) const;
  // Parity rows [lo, hi) of a stripe: what one operation reads and writes
  // together. Operations whose rows overlap run one after the other, in
  // the order they asked; others run at once.
  struct Rows {
    uint64_t stripe;
    uint32_t lo, hi;
  };
  std::vector<Rows> rows_of(const std::vector<Piece>& pieces, bool whole_stripes) const;
  uint64_t lock(std::vector<Rows> rows);
  void unlock(uint64_t ticket);
  // Runs drive commands at once and waits for all; books each member's
  // port for the bytes it moves (before a write, after a read).
  // Returns false if a drive timed out (it is then marked failed).
  bool run(std::vector<std::unique_ptr<DriveCommand>>& commands,
           const std::vector<uint32_t>& members, Priority priority);
  GroupReadResult read_once(uint64_t lba, uint32_t blocks, std::span<uint8_t> out, bool& retry,
                            Priority priority);
  bool write_stripes(const std::vector<Piece>& pieces, uint64_t lba, std::span<const uint8_t> in,
                     std::set<uint64_t>& recompute, GroupWriteResult& result, Priority priority);
  std::optional<checkcode::LogicalAddress> address_of(uint64_t group_lba) const;
  uint32_t parity_rows() const;
  bool rebuildable() const;
  bool usable(uint32_t member, uint64_t stripe) const;

  std::string name_;
  ParityGroupConfig config_;
  std::vector<Drive*> drives_;
  std::vector<std::unique_ptr<Drive>> spares_;
  std::vector<std::unique_ptr<MemberFormat>> formats_;
  std::vector<Resource*> ports_;
  ClockedPath path_;
  uint64_t blocks_ = 0;
  uint64_t stripes_ = 0;
  std::vector<unsigned char> tables_;  // ISA-L tables for P (and Q)
  std::vector<unsigned char> matrix_;  // (data + parity) x data encoding matrix
  struct Extent {
    uint64_t blocks;
    checkcode::LogicalAddress first;
  };
  std::map<uint64_t, Extent> extents_;
  std::set<uint32_t> failed_;
  bool rebuilding_ = false;
  uint32_t in_flight_ = 0;
  uint32_t rebuild_member_ = 0;
  uint64_t rebuilt_below_ = 0;  // stripes of the rebuilding member already good
  struct LockRequest {
    uint64_t ticket;
    std::vector<Rows> rows;
  };
  std::list<LockRequest> locks_;  // held and waiting, in the order asked
  uint64_t next_ticket_ = 0;
  sc_core::sc_event unlocked_;
  ParityGroupStats stats_;
};

}  // namespace copysim::sc
