// Task control blocks: allocated from fixed-size pools whose memory is taken
// from the control store (shared memory) when the pool is made, as the
// firmware of a real controller does. Running out is normal: allocate()
// returns nullptr and the caller decides (seed 000's master falls back to
// serial transfer).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "firmware/runtime/task.h"

namespace copysim::fw {

class Dispatcher;
class TcbPool;

enum class TcbState { free, ready, running, waiting };

struct Tcb {
  int64_t handle = -1;  // the dispatcher's name for it
  TcbPool* pool = nullptr;
  TcbState state = TcbState::free;
  Task body;
  bool compute_pending = false;
  uint64_t compute_cycles = 0;
};

struct TcbPoolStats {
  uint64_t allocations = 0;
  uint64_t failures = 0;  // allocate() found the pool empty
  uint32_t peak_in_use = 0;
};

class TcbPool {
 public:
  // Takes capacity x tcb_bytes of control store; throws std::length_error
  // naming the pool if it does not fit.
  TcbPool(Dispatcher& dispatcher, std::string name, uint32_t capacity, uint32_t tcb_bytes = 512);
  ~TcbPool();
  TcbPool(const TcbPool&) = delete;
  TcbPool& operator=(const TcbPool&) = delete;

  Tcb* allocate();
  void release(Tcb& tcb);

  const std::string& name() const { return name_; }
  uint32_t capacity() const { return static_cast<uint32_t>(tcbs_.size()); }
  uint32_t free_count() const { return static_cast<uint32_t>(free_.size()); }
  uint32_t in_use() const { return capacity() - free_count(); }
  const TcbPoolStats& stats() const { return stats_; }

 private:
  Dispatcher& dispatcher_;
  std::string name_;
  uint64_t bytes_;
  std::deque<Tcb> tcbs_;
  std::vector<Tcb*> free_;
  TcbPoolStats stats_;
};

}  // namespace copysim::fw
