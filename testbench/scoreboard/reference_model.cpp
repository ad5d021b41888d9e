#include "testbench/scoreboard/reference_model.h"

#include <algorithm>

namespace copysim::testing {

uint64_t ReferenceModel::begin_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                                     uint64_t issue_ps) {
  const uint64_t version = writes_.size() + 1;
  writes_.push_back({device, first_block, blocks, version, issue_ps, kInFlight, false, ++seq_, 0});
  for (uint32_t i = 0; i < blocks; ++i) by_block_[key(device, first_block + i)].push_back(version);
  return version;
}

void ReferenceModel::end_write(uint64_t version, uint64_t complete_ps, bool ok) {
  WriteRecord& w = writes_.at(version - 1);
  w.complete_ps = complete_ps;
  w.ok = ok;
  w.complete_seq = ++seq_;
}

bool ReferenceModel::ordered_before(uint64_t earlier, uint64_t later) const {
  if (earlier == later || later == 0) return false;
  if (earlier == 0) return true;
  const WriteRecord& e = writes_.at(earlier - 1);
  return e.complete_seq != 0 && e.complete_seq < writes_.at(later - 1).issue_seq;
}

std::vector<uint64_t> ReferenceModel::candidates(uint16_t device, uint64_t block, uint64_t from_ps,
                                                 uint64_t to_ps) const {
  auto it = by_block_.find(key(device, block));
  if (it == by_block_.end()) return {0};
  // The latest write certainly on the block by `from_ps`: every write that
  // ended before it was issued is overwritten.
  uint64_t settled = 0;
  for (uint64_t v : it->second) {
    const WriteRecord& w = writes_[v - 1];
    if (w.ok && w.complete_ps < from_ps) settled = std::max(settled, w.issue_seq);
  }
  std::vector<uint64_t> out;
  if (settled == 0) out.push_back(0);
  for (uint64_t v : it->second) {
    const WriteRecord& w = writes_[v - 1];
    if (w.issue_ps > to_ps) break;  // versions are in issue order
    if (w.complete_seq != 0 && w.complete_seq < settled) continue;
    out.push_back(v);
  }
  return out;
}

std::vector<const WriteRecord*> ReferenceModel::in_flight_at(uint16_t device, uint64_t t_ps) const {
  std::vector<const WriteRecord*> out;
  for (const WriteRecord& w : writes_) {
    if (w.device == device && w.ok && w.issue_ps <= t_ps && w.complete_ps >= t_ps) {
      out.push_back(&w);
    }
  }
  return out;
}

const std::vector<uint64_t>* ReferenceModel::history(uint16_t device, uint64_t block) const {
  auto it = by_block_.find(key(device, block));
  return it == by_block_.end() ? nullptr : &it->second;
}

}  // namespace copysim::testing
