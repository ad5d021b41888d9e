// Response-time histogram with log-spaced buckets (HdrHistogram-like: 64
// sub-buckets per power of two, so any percentile is within 1/64 = 1.6 % of
// the exact value), with exact minimum, maximum and mean.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/common/uint128.h"

namespace copysim::sc {

class LatencyHistogram {
 public:
  void record(uint64_t picoseconds);
  uint64_t count() const { return count_; }
  uint64_t min_ps() const { return count_ ? min_ : 0; }
  uint64_t max_ps() const { return max_; }
  double mean_ps() const { return count_ ? double(sum_) / double(count_) : 0.0; }
  // The smallest recorded bucket value v with at least q of the samples <= v;
  // q in [0, 1].
  uint64_t percentile_ps(double q) const;
  void merge(const LatencyHistogram& other);
  // count, min/mean/max, p50/p90/p99/p99.9 in microseconds, and the
  // non-empty buckets as [upper bound us, count] pairs.
  nlohmann::json to_json() const;

 private:
  static constexpr unsigned kSubBits = 6;  // 64 sub-buckets
  static unsigned bucket_of(uint64_t v);
  static uint64_t bucket_upper(unsigned bucket);

  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  uint128 sum_ = 0;
};

}  // namespace copysim::sc
