// The PB header of seed 003 (Fig. 2C) for one source volume: for every
// track, one protection bit per session column, and which columns sessions
// hold (the SESSION IDS block). A clone session holds one column (the
// clone PB bits: the track still has to be copied) and, with precopy, a
// second (the precopy PB bits: copied, and not written since).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace copysim::fw {

class PbTable {
 public:
  static constexpr int kColumns = 16;

  explicit PbTable(uint64_t tracks) : bits_(tracks, 0) {}

  uint64_t tracks() const { return bits_.size(); }
  uint64_t bytes() const { return bits_.size() * sizeof(uint16_t); }
  int columns_free() const { return kColumns - __builtin_popcount(in_use_); }
  bool any_in_use() const { return in_use_ != 0; }

  // The lowest free column, now held; none when all are held.
  std::optional<int> allocate() {
    for (int c = 0; c < kColumns; ++c) {
      if ((in_use_ & (1u << c)) == 0) {
        in_use_ = static_cast<uint16_t>(in_use_ | (1u << c));
        return c;
      }
    }
    return std::nullopt;
  }
  // Clears the column's bits and frees it.
  void release(int column) {
    for (uint64_t t = 0; t < tracks(); ++t) clear(t, column);
    in_use_ = static_cast<uint16_t>(in_use_ & ~(1u << column));
  }

  bool test(uint64_t track, int column) const { return (bits_.at(track) >> column) & 1u; }
  void set(uint64_t track, int column) {
    if (!test(track, column)) {
      bits_[track] = static_cast<uint16_t>(bits_[track] | (1u << column));
      ++counts_[static_cast<std::size_t>(column)];
    }
  }
  void clear(uint64_t track, int column) {
    if (test(track, column)) {
      bits_[track] = static_cast<uint16_t>(bits_[track] & ~(1u << column));
      --counts_[static_cast<std::size_t>(column)];
    }
  }
  uint64_t count(int column) const { return counts_[static_cast<std::size_t>(column)]; }

 private:
  std::vector<uint16_t> bits_;
  uint16_t in_use_ = 0;
  std::array<uint64_t, kColumns> counts_{};
};

}  // namespace copysim::fw
