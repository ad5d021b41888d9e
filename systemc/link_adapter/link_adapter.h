// A link adapter: the ports of one array that carry remote copy to another
// array, each on its own Fibre Channel link, and the DMA engine that
// gathers the tracks to send from cache. Which link a write takes is the
// firmware's choice (seed 000's link selection).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "systemc/link/fcp_write.h"
#include "systemc/link_adapter/dma_engine.h"

namespace copysim::sc {

struct LinkAdapterConfig {
  DmaConfig dma;
  FcpConfig fcp;
};

class LinkAdapter : public sc_core::sc_module {
 public:
  LinkAdapter(const sc_core::sc_module_name& name, LinkAdapterConfig config, Cache& cache);

  // During elaboration: a port on `link` whose writes land through `commit`
  // at the other end. Returns the path's index.
  std::size_t add_path(FcLink& link, FcpWritePath::Commit commit);
  std::size_t paths() const { return paths_.size(); }
  FcpWritePath& path(std::size_t i) { return *paths_.at(i); }
  FcLink& link(std::size_t i) { return *links_.at(i); }

  // From a thread process: gathers the chain from cache and sends it as one
  // remote write on path `path`. A chain the DMA engine refuses is a
  // target_error without anything sent.
  FcpResult write(std::size_t path, const RemoteWriteControl& control,
                  std::span<const DmaDescriptor> chain);

  DmaEngine& dma() { return dma_; }
  // Per link: utilization, frames, bytes, time starved for credits, CRC
  // errors, exchanges, retries and failures, in flight now and at peak.
  nlohmann::json statistics() const;

 private:
  LinkAdapterConfig config_;
  DmaEngine dma_;
  std::vector<FcLink*> links_;
  std::vector<std::unique_ptr<FcpWritePath>> paths_;
};

}  // namespace copysim::sc
