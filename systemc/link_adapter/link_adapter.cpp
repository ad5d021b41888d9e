#include "systemc/link_adapter/link_adapter.h"

#include <fmt/format.h>

namespace copysim::sc {

LinkAdapter::LinkAdapter(const sc_core::sc_module_name& name, LinkAdapterConfig config,
                         Cache& cache)
    : sc_core::sc_module(name),
      config_(config),
      dma_(std::string(this->name()) + ".dma", config.dma, cache) {}

std::size_t LinkAdapter::add_path(FcLink& link, FcpWritePath::Commit commit) {
  links_.push_back(&link);
  paths_.push_back(
      std::make_unique<FcpWritePath>(fmt::format("{}_path{}", basename(), paths_.size()).c_str(),
                                     link, config_.fcp, std::move(commit)));
  return paths_.size() - 1;
}

FcpResult LinkAdapter::write(std::size_t path, const RemoteWriteControl& control,
                             std::span<const DmaDescriptor> chain) {
  std::vector<uint8_t> data;
  const DmaCompletion gathered = dma_.gather(chain, data);
  if (!gathered.ok()) {
    FcpResult r;
    r.status = FcpStatus::target_error;
    r.message = gathered.message;
    return r;
  }
  return paths_.at(path)->write(control, data);
}

nlohmann::json LinkAdapter::statistics() const {
  nlohmann::json links = nlohmann::json::array();
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    FcLink& l = *links_[i];
    const FcpStats& p = paths_[i]->stats();
    auto direction = [](FcLinkDirection& d) {
      const FcDirectionStats& s = d.stats();
      return nlohmann::json{{"utilization", d.utilization()},
                            {"frames", s.frames},
                            {"payload_bytes", s.payload_bytes},
                            {"credit_starved_us", double(s.credit_starved_ps) / 1e6},
                            {"crc_errors", s.crc_errors},
                            {"frames_lost", s.frames_lost},
                            {"delayed", s.delayed},
                            {"credits_lost", s.credits_lost},
                            {"lost_to_link_down", s.lost_to_link_down}};
    };
    links.push_back({{"link", l.name()},
                     {"speed", l.config().speed},
                     {"distance_km", l.config().distance_km},
                     {"up", l.up()},
                     {"forward", direction(l.forward())},
                     {"backward", direction(l.backward())},
                     {"exchanges", p.exchanges},
                     {"good", p.good},
                     {"retries", p.retries},
                     {"failed", p.failed},
                     {"in_flight", p.in_flight},
                     {"in_flight_peak", p.in_flight_peak},
                     {"buffer_waits", p.buffer_waits}});
  }
  const DmaStats& d = dma_.stats();
  return {{"links", links},
          {"dma",
           {{"chains", d.chains},
            {"bytes", d.bytes},
            {"queue_waits", d.queue_waits},
            {"utilization", dma_.bus().utilization()}}}};
}

}  // namespace copysim::sc
