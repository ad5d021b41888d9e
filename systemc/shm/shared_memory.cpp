#include "systemc/shm/shared_memory.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace copysim::sc {

void SharedMemory::allocate(const std::string& table, uint64_t bytes) {
  if (bytes > free()) {
    throw std::length_error(fmt::format("shared memory: table {} needs {} bytes, {} of {} are free",
                                        table, bytes, free(), config_.bytes));
  }
  used_ += bytes;
  tables_[table] += bytes;
}

void SharedMemory::release(const std::string& table, uint64_t bytes) {
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second < bytes) {
    throw std::logic_error(
        fmt::format("shared memory: table {} releases {} bytes it does not hold", table, bytes));
  }
  it->second -= bytes;
  used_ -= bytes;
  if (it->second == 0) tables_.erase(it);
}

sc_core::sc_time SharedMemory::access_time(unsigned count) const {
  return sc_core::sc_time(std::round(config_.access_ns * 1000.0 * count), sc_core::SC_PS);
}

void SharedMemory::access(unsigned count) {
  accesses_ += count;
  sc_core::wait(access_time(count));
}

}  // namespace copysim::sc
