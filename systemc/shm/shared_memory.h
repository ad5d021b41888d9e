// Shared memory (the control store): where firmware tables live (pair
// tables, bitmaps, TCB pools, the cache directory). It has a capacity, an
// access latency, and an account of what each table holds, so that a
// configuration that does not fit fails at configuration time.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <systemc>

namespace copysim::sc {

struct SharedMemoryConfig {
  uint64_t bytes = uint64_t{4} << 30;
  double access_ns = 200.0;  // one control-store access, e.g. a directory lookup
};

class SharedMemory {
 public:
  explicit SharedMemory(SharedMemoryConfig config) : config_(config) {}

  // Reserves `bytes` for `table`; throws std::length_error naming the table,
  // the request and what is left when it does not fit (nothing changes).
  void allocate(const std::string& table, uint64_t bytes);
  void release(const std::string& table, uint64_t bytes);

  // From a thread process: `count` dependent accesses.
  void access(unsigned count = 1);
  sc_core::sc_time access_time(unsigned count = 1) const;

  uint64_t used() const { return used_; }
  uint64_t free() const { return config_.bytes - used_; }
  const std::map<std::string, uint64_t>& tables() const { return tables_; }
  uint64_t accesses() const { return accesses_; }
  const SharedMemoryConfig& config() const { return config_; }

 private:
  SharedMemoryConfig config_;
  uint64_t used_ = 0;
  uint64_t accesses_ = 0;
  std::map<std::string, uint64_t> tables_;
};

}  // namespace copysim::sc
