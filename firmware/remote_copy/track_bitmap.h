// One bit per track: the tracks a copy still has to send (a pair's change
// bitmap, or a block transfer's own range). Bits set behind the scan are
// found on the next pass.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace copysim::fw {

// Control-store words (64 bits) a command touches to set or merge a bitmap
// of `tracks` bits.
inline uint64_t bitmap_words(uint64_t tracks) { return (tracks + 63) / 64; }

class TrackBitmap {
 public:
  explicit TrackBitmap(uint64_t tracks = 0) : bits_(tracks, false) {}

  uint64_t size() const { return bits_.size(); }
  uint64_t count() const { return count_; }
  bool test(uint64_t track) const { return bits_.at(track); }
  void set(uint64_t track) {
    if (!bits_.at(track)) {
      bits_[track] = true;
      ++count_;
    }
  }
  void clear(uint64_t track) {
    if (bits_.at(track)) {
      bits_[track] = false;
      --count_;
    }
  }
  void set_range(uint64_t first, uint64_t n) {
    for (uint64_t t = first; t < first + n; ++t) set(t);
  }
  // The first set track at or after `from`, wrapping around; none if empty.
  std::optional<uint64_t> next_set(uint64_t from) const {
    if (count_ == 0) return std::nullopt;
    const uint64_t n = bits_.size();
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t t = (from + i) % n;
      if (bits_[t]) return t;
    }
    return std::nullopt;
  }
  // Control-store bytes the bitmap takes.
  uint64_t bytes() const { return (bits_.size() + 7) / 8; }

 private:
  std::vector<bool> bits_;
  uint64_t count_ = 0;
};

}  // namespace copysim::fw
