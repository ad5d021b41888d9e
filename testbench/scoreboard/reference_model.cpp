#include "testbench/scoreboard/reference_model.h"

#include <stdexcept>
#include <string>

namespace copysim::testing {

uint64_t ReferenceModel::begin_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                                     uint64_t issue_ps) {
  const uint64_t version = writes_.size() + 1;
  writes_.push_back({device, first_block, blocks, version, issue_ps, kInFlight, false});
  for (uint32_t i = 0; i < blocks; ++i) {
    auto& list = by_block_[key(device, first_block + i)];
    if (!list.empty() && writes_[list.back() - 1].complete_ps == kInFlight) {
      throw std::logic_error("reference model: two writes in flight to block " +
                             std::to_string(first_block + i) +
                             " of one device; writers must own "
                             "their blocks");
    }
    list.push_back(version);
  }
  return version;
}

void ReferenceModel::end_write(uint64_t version, uint64_t complete_ps, bool ok) {
  WriteRecord& w = writes_.at(version - 1);
  w.complete_ps = complete_ps;
  w.ok = ok;
}

std::vector<uint64_t> ReferenceModel::candidates(uint16_t device, uint64_t block,
                                                 uint64_t t_ps) const {
  std::vector<uint64_t> out{0};
  auto it = by_block_.find(key(device, block));
  if (it == by_block_.end()) return out;
  for (uint64_t v : it->second) {
    const WriteRecord& w = writes_[v - 1];
    if (w.issue_ps > t_ps) break;  // later writes of this block start later still
    if (w.ok && w.complete_ps < t_ps) {
      out.assign(1, v);  // certainly in, and everything before it superseded
    } else {
      out.push_back(v);  // in flight at t, or failed: either way
    }
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
