#include "systemc/link_adapter/dma_engine.h"

#include <fmt/format.h>

#include <stdexcept>

namespace copysim::sc {

using checkcode::kStoredBlockBytes;

DmaEngine::DmaEngine(std::string name, DmaConfig config, Cache& cache)
    : name_(std::move(name)), config_(config), cache_(cache), bus_(name_ + ".bus") {
  if (config.queue_depth == 0) {
    throw std::invalid_argument(fmt::format("{}: queue_depth must be at least 1", name_));
  }
}

DmaCompletion DmaEngine::gather(std::span<const DmaDescriptor> chain, std::vector<uint8_t>& out) {
  DmaCompletion c;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const DmaDescriptor& d = chain[i];
    if (d.slot == nullptr || d.blocks == 0 || d.first_block + d.blocks > d.slot->blocks ||
        !d.slot->all_valid(d.first_block, d.blocks)) {
      ++stats_.errors;
      c.status = DmaStatus::bad_descriptor;
      c.message =
          fmt::format("{}: descriptor {} of {} names blocks not in cache", name_, i, chain.size());
      return c;
    }
    c.bytes += uint64_t{d.blocks} * kStoredBlockBytes;
  }
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  if (in_flight_ == config_.queue_depth) ++stats_.queue_waits;
  while (in_flight_ == config_.queue_depth) sc_core::wait(slot_freed_);
  ++in_flight_;
  out.clear();
  out.reserve(c.bytes);
  for (const DmaDescriptor& d : chain) {
    const std::size_t bytes = std::size_t{d.blocks} * kStoredBlockBytes;
    cache_.transfer(bytes);
    bus_.use(config_.bus.duration(bytes));
    const auto from = d.slot->data.begin() +
                      static_cast<std::ptrdiff_t>(std::size_t{d.first_block} * kStoredBlockBytes);
    out.insert(out.end(), from, from + static_cast<std::ptrdiff_t>(bytes));
    ++stats_.descriptors;
  }
  --in_flight_;
  slot_freed_.notify(sc_core::SC_ZERO_TIME);
  ++stats_.chains;
  stats_.bytes += c.bytes;
  c.duration = sc_core::sc_time_stamp() - start;
  return c;
}

}  // namespace copysim::sc
