// The link adapter's DMA engine: scatter-gather between cache slots and the
// adapter's frame buffers, through a queue of descriptor chains, on its own
// clocked bus, with a completion status per chain.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <systemc>

#include "systemc/cache/cache.h"
#include "systemc/common/resource.h"

namespace copysim::sc {

// One scatter-gather element: consecutive blocks of one pinned cache slot.
struct DmaDescriptor {
  Slot* slot = nullptr;
  uint32_t first_block = 0;
  uint32_t blocks = 0;
};

enum class DmaStatus { ok, bad_descriptor };

struct DmaCompletion {
  DmaStatus status = DmaStatus::ok;
  uint64_t bytes = 0;
  sc_core::sc_time duration = sc_core::SC_ZERO_TIME;
  std::string message;
  bool ok() const { return status == DmaStatus::ok; }
};

struct DmaConfig {
  ClockedPath bus{250.0, 32, 16};  // 8 GB/s, 16 cycles to start a descriptor
  uint32_t queue_depth = 64;       // descriptor chains in flight
};

struct DmaStats {
  uint64_t chains = 0;
  uint64_t descriptors = 0;
  uint64_t bytes = 0;
  uint64_t queue_waits = 0;
  uint64_t errors = 0;
};

class DmaEngine {
 public:
  DmaEngine(std::string name, DmaConfig config, Cache& cache);

  // From a thread process: copies the descriptors' blocks, in order, from
  // the cache into `out` (which is resized). A descriptor outside its slot
  // or on a block not valid in cache fails the chain before anything moves.
  DmaCompletion gather(std::span<const DmaDescriptor> chain, std::vector<uint8_t>& out);

  const DmaConfig& config() const { return config_; }
  const DmaStats& stats() const { return stats_; }
  const Resource& bus() const { return bus_; }

 private:
  std::string name_;
  DmaConfig config_;
  Cache& cache_;
  Resource bus_;
  uint32_t in_flight_ = 0;
  sc_core::sc_event slot_freed_;
  DmaStats stats_;
};

}  // namespace copysim::sc
