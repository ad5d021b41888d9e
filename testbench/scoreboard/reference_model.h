// The reference model of volume contents: what every block of every volume
// must hold, known only from what hosts did (each write's blocks, version,
// issue and completion time, status), never from the firmware.
//
// A block's 512 bytes are a pure function of (source device, block, version)
// (testbench/common/host_data.h), so the model keeps versions, not bytes.
// Writes to one block may overlap in time, as a host's queued IOs do: a
// storage array orders concurrent writes to a block any way it likes. So a
// write stays a candidate for the block's content until another write that
// the host issued after seeing it complete has itself completed well. The
// content at an instant is then a small set: the last such write, plus any
// write still in flight, plus any write that failed (it may or may not
// have landed).
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

namespace copysim::testing {

inline constexpr uint64_t kInFlight = std::numeric_limits<uint64_t>::max();

struct WriteRecord {
  uint16_t device = 0;
  uint64_t first_block = 0;
  uint32_t blocks = 0;
  uint64_t version = 0;  // unique per write, never 0 (0: never written)
  uint64_t issue_ps = 0;
  uint64_t complete_ps = kInFlight;
  bool ok = false;
  // The order in which the host began and ended writes: a write begun
  // after another ended comes after it, even at the same picosecond.
  uint64_t issue_seq = 0;
  uint64_t complete_seq = 0;  // 0 while in flight
};

class ReferenceModel {
 public:
  // A host starts a write; returns the version its data must carry.
  uint64_t begin_write(uint16_t device, uint64_t first_block, uint32_t blocks, uint64_t issue_ps);
  void end_write(uint64_t version, uint64_t complete_ps, bool ok);

  // The versions block `block` of `device` may hold at time `t_ps`, in
  // issue order. A write completing exactly at t, or issued exactly at t,
  // may fall either side of a point in time taken at t.
  std::vector<uint64_t> candidates(uint16_t device, uint64_t block, uint64_t t_ps) const {
    return candidates(device, block, t_ps, t_ps);
  }
  // What a read that ran from `from_ps` to `to_ps` may return: anything the
  // block held at some instant of that window.
  std::vector<uint64_t> candidates(uint16_t device, uint64_t block, uint64_t from_ps,
                                   uint64_t to_ps) const;
  // Version `later` was issued after version `earlier` completed (version 0,
  // the formatted block, comes before every write).
  bool ordered_before(uint64_t earlier, uint64_t later) const;
  // Writes to `device` that were in flight at `t_ps` (issued at or before
  // it, completing at or after it) and succeeded: each must fall wholly
  // before or wholly after a point in time taken at t.
  std::vector<const WriteRecord*> in_flight_at(uint16_t device, uint64_t t_ps) const;
  const WriteRecord& write(uint64_t version) const { return writes_.at(version - 1); }
  std::size_t writes() const { return writes_.size(); }
  std::size_t blocks_written() const { return by_block_.size(); }
  // The first and last version the model ever saw for the block (for
  // naming what a mismatching block actually holds).
  const std::vector<uint64_t>* history(uint16_t device, uint64_t block) const;

 private:
  static uint64_t key(uint16_t device, uint64_t block) { return (uint64_t{device} << 48) | block; }
  std::vector<WriteRecord> writes_;
  uint64_t seq_ = 0;                                              // by version - 1
  std::unordered_map<uint64_t, std::vector<uint64_t>> by_block_;  // versions in issue order
};

}  // namespace copysim::testing
