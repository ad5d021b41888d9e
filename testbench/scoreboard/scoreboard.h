// The scoreboard: compares what volumes hold (read through a backdoor, in
// zero simulated time) with what the reference model says they must hold,
// and keeps the tally a reliability report needs: checks, bytes compared,
// and every mismatch named by volume, block, what was found and what was
// allowed.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "testbench/scoreboard/reference_model.h"

namespace copysim::testing {

class Scoreboard {
 public:
  explicit Scoreboard(const ReferenceModel& reference) : reference_(reference) {}

  // One image compared with the content of volume `source` at `t_ps`: a
  // primary now, a secondary against its primary, a split secondary or an
  // activated clone against its source at the point in time.
  class ImageCheck {
   public:
    ImageCheck(Scoreboard& board, std::string what, uint16_t source, uint64_t t_ps)
        : ImageCheck(board, std::move(what), source, t_ps, t_ps) {}
    // What a read that ran from `from_ps` to `t_ps` returned: each block may
    // hold what it held at any instant of that window.
    ImageCheck(Scoreboard& board, std::string what, uint16_t source, uint64_t t_ps,
               uint64_t from_ps)
        : board_(board), what_(std::move(what)), source_(source), t_ps_(t_ps), from_ps_(from_ps) {
      ++board_.checks_;
    }
    // 512 user-data bytes per block, from `first_block` on.
    void blocks(uint64_t first_block, std::span<const uint8_t> image);
    // Blocks that must still be as formatted (zeros): outside a clone's
    // extents, say.
    void untouched(uint64_t first_block, std::span<const uint8_t> image);
    // A point in time also promises that each write in flight at it falls
    // wholly before or wholly after it.
    void writes_whole();

   private:
    Scoreboard& board_;
    std::string what_;
    uint16_t source_;
    uint64_t t_ps_;
    uint64_t from_ps_;
    std::map<uint64_t, uint64_t> shown_;  // block -> version found
  };

  uint64_t checks() const { return checks_; }
  uint64_t bytes_compared() const { return bytes_compared_; }
  uint64_t mismatches() const { return mismatch_count_; }
  // The first mismatches, in words (at most 20 kept).
  const std::vector<std::string>& mismatch_reports() const { return reports_; }
  void mismatch(std::string report);

 private:
  friend class ImageCheck;
  std::string describe(uint16_t source, uint64_t block, std::span<const uint8_t> found) const;

  const ReferenceModel& reference_;
  uint64_t checks_ = 0;
  uint64_t bytes_compared_ = 0;
  uint64_t mismatch_count_ = 0;
  std::vector<std::string> reports_;
};

}  // namespace copysim::testing
