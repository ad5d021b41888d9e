// A copy service's history log (seed 004 Fig. 11D): when, which pair or
// session, what happened, and the status before and after. An observer may
// watch entries as they are appended (a testbench takes its reference
// images at the points in time this way).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace copysim::fw {

struct HistoryEntry {
  uint64_t time_ps = 0;
  uint32_t id = 0;  // pair number or session id
  uint16_t source = 0;
  uint16_t target = 0;
  std::string event;
  std::string from;  // status before
  std::string to;    // status after
};

class History {
 public:
  void append(HistoryEntry entry) {
    entries_.push_back(std::move(entry));
    if (observer) observer(entries_.back());
  }
  const std::vector<HistoryEntry>& entries() const { return entries_; }
  std::function<void(const HistoryEntry&)> observer;

 private:
  std::vector<HistoryEntry> entries_;
};

}  // namespace copysim::fw
