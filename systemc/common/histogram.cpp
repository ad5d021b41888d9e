#include "systemc/common/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace copysim::sc {

// Values below 64 get a bucket each; above, a power-of-two range [2^e, 2^(e+1))
// is split into 64 equal sub-buckets.
unsigned LatencyHistogram::bucket_of(uint64_t v) {
  if (v < (1u << kSubBits)) return static_cast<unsigned>(v);
  const unsigned e = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kSubBits
  const unsigned sub = static_cast<unsigned>((v >> (e - kSubBits)) & ((1u << kSubBits) - 1));
  return ((e - kSubBits + 1) << kSubBits) + sub;
}

uint64_t LatencyHistogram::bucket_upper(unsigned bucket) {
  if (bucket < (1u << kSubBits)) return bucket;
  const unsigned e = (bucket >> kSubBits) + kSubBits - 1;
  const uint64_t sub = bucket & ((1u << kSubBits) - 1);
  const uint64_t low = (uint64_t{1} << e) + (sub << (e - kSubBits));
  return low + (uint64_t{1} << (e - kSubBits)) - 1;
}

void LatencyHistogram::record(uint64_t ps) {
  const unsigned b = bucket_of(ps);
  if (b >= buckets_.size()) buckets_.resize(b + 1, 0);
  ++buckets_[b];
  ++count_;
  min_ = std::min(min_, ps);
  max_ = std::max(max_, ps);
  sum_ += ps;
}

uint64_t LatencyHistogram::percentile_ps(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<uint64_t>(std::ceil(q * double(count_)));
  uint64_t seen = 0;
  for (unsigned b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= std::max<uint64_t>(rank, 1)) return std::min(bucket_upper(b), max_);
  }
  return max_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size(), 0);
  for (unsigned b = 0; b < other.buckets_.size(); ++b) buckets_[b] += other.buckets_[b];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

nlohmann::json LatencyHistogram::to_json() const {
  auto us = [](double ps) { return ps / 1e6; };
  nlohmann::json j;
  j["count"] = count_;
  j["min_us"] = us(double(min_ps()));
  j["mean_us"] = us(mean_ps());
  j["max_us"] = us(double(max_));
  j["p50_us"] = us(double(percentile_ps(0.50)));
  j["p90_us"] = us(double(percentile_ps(0.90)));
  j["p99_us"] = us(double(percentile_ps(0.99)));
  j["p99_9_us"] = us(double(percentile_ps(0.999)));
  nlohmann::json buckets = nlohmann::json::array();
  for (unsigned b = 0; b < buckets_.size(); ++b) {
    if (buckets_[b]) buckets.push_back({us(double(bucket_upper(b))), buckets_[b]});
  }
  j["buckets"] = std::move(buckets);
  return j;
}

}  // namespace copysim::sc
