// A copy service's history log (seed 004 Fig. 11D): when, which pair or
// session, what happened, and the status before and after. Observers watch
// entries as they are appended (a testbench takes its reference images at
// the points in time this way; the host driver streams them as events).
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
    for (auto& o : observers_) o(entries_.back());
  }
  const std::vector<HistoryEntry>& entries() const { return entries_; }
  void observe(std::function<void(const HistoryEntry&)> observer) {
    observers_.push_back(std::move(observer));
  }

 private:
  std::vector<HistoryEntry> entries_;
  std::vector<std::function<void(const HistoryEntry&)>> observers_;
};

}  // namespace copysim::fw
