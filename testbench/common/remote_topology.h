// Two arrays with their firmware, joined by Fibre Channel links both ways:
// `links` from the primary to the secondary (remote copy, data bridges)
// and `return_links` back (status bridges). The primary's volumes are
// 0x1000 + i, the secondary's 0x2000 + i; with bridges, each array also has
// `bridges` data-bridge volumes (0x0e00 + k on the primary, 0x0e80 + k on
// the secondary) and status-bridge volumes (0x0f00 + k, 0x0f80 + k). Build
// it inside a forked child.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "firmware/controller/controller.h"
#include "systemc/array/storage_array.h"
#include "systemc/hal/array_hardware.h"
#include "systemc/link_adapter/link_adapter.h"
#include "systemc/link_adapter/remote_commit.h"

namespace copysim::testing {

struct RemoteTopologyConfig {
  uint32_t volumes = 1;
  uint64_t tracks = 300;      // per volume, for FBA volumes
  std::string model = "FBA";  // or a 3390 model ("3390-3"), whose size is its own
  uint32_t bridges = 0;
  uint64_t bridge_tracks = 64;
  uint32_t links = 1;
  uint32_t return_links = 1;
  double distance_km = 10;
  uint32_t drives = 2;
  uint64_t cache_slots = 1024;
  bool secondary_non_volatile = true;  // the secondary's cache survives a power loss
  nlohmann::json drive;                // the arrays' "drive" settings; empty: the defaults
  // The arrays' parity groups: mirrored pairs, which any even drive count makes.
  nlohmann::json parity_group = {{"raid", "raid1"}, {"data_drives", 1}};
  fw::ControllerConfig firmware;
};

inline uint16_t primary_volume(uint32_t i) { return static_cast<uint16_t>(0x1000 + i); }
inline uint16_t secondary_volume(uint32_t i) { return static_cast<uint16_t>(0x2000 + i); }
inline uint16_t data_bridge(bool primary, uint32_t k) {
  return static_cast<uint16_t>((primary ? 0x0e00 : 0x0e80) + k);
}
inline uint16_t status_bridge(bool primary, uint32_t k) {
  return static_cast<uint16_t>((primary ? 0x0f00 : 0x0f80) + k);
}

class RemoteTopology {
 public:
  explicit RemoteTopology(const RemoteTopologyConfig& c)
      : config_(c),
        primary_("primary", sc::ArrayConfig::from_json(array(c, true))),
        secondary_("secondary", sc::ArrayConfig::from_json(array(c, false))),
        forward_("la", sc::LinkAdapterConfig{}, primary_.cache()),
        back_("la_back", sc::LinkAdapterConfig{}, secondary_.cache()) {
    sc::FcLinkConfig lc;
    lc.distance_km = c.distance_km;
    for (uint32_t i = 0; i < c.links; ++i) {
      links_.push_back(std::make_unique<sc::FcLink>(fmt::format("link{}", i).c_str(), lc));
      forward_.add_path(*links_.back(),
                        sc::commit_to(secondary_, [this](const sc::RemoteWriteControl& w) {
                          secondary_hw_->remote_write_arrived(w);
                        }));
    }
    for (uint32_t i = 0; i < c.return_links; ++i) {
      links_.push_back(std::make_unique<sc::FcLink>(fmt::format("back{}", i).c_str(), lc));
      back_.add_path(*links_.back(),
                     sc::commit_to(primary_, [this](const sc::RemoteWriteControl& w) {
                       primary_hw_->remote_write_arrived(w);
                     }));
    }
    primary_hw_ = std::make_unique<sc::ArrayHardware>("hw", primary_, &forward_);
    secondary_hw_ = std::make_unique<sc::ArrayHardware>("hw_back", secondary_, &back_);
    primary_fw_ = std::make_unique<fw::Controller>(*primary_hw_, c.firmware);
    secondary_fw_ = std::make_unique<fw::Controller>(*secondary_hw_, c.firmware);
    for (auto [hw, firmware] : {std::pair{primary_hw_.get(), primary_fw_.get()},
                                std::pair{secondary_hw_.get(), secondary_fw_.get()}}) {
      hw->run_firmware(firmware->dispatcher());
      hw->accept_commands(*firmware);
      hw->intercept_host_io(firmware->host_io(), firmware->host_io());
      hw->observe_remote_writes(firmware->bridges());
    }
    primary_hw_->connect_peer(*secondary_hw_);
    secondary_hw_->connect_peer(*primary_hw_);
    primary_hw_->secondary_write_protect = [this](uint16_t device, bool on) {
      secondary_.set_write_protected(device, on, "it is the secondary of a remote copy pair");
    };
    secondary_hw_->power_restored = [this](const std::vector<uint16_t>& lost) {
      secondary_fw_->pairs().volumes_lost_data(lost);
    };
  }

  sc::StorageArray& primary() { return primary_; }
  sc::StorageArray& secondary() { return secondary_; }
  fw::Controller& primary_firmware() { return *primary_fw_; }
  sc::ArrayHardware& primary_hardware() { return *primary_hw_; }
  sc::ArrayHardware& secondary_hardware() { return *secondary_hw_; }
  std::size_t link_count() const { return links_.size(); }  // forward, then return links
  fw::Controller& secondary_firmware() { return *secondary_fw_; }
  sc::FcLink& link(std::size_t i) { return *links_.at(i); }
  sc::LinkAdapter& forward_adapter() { return forward_; }
  const RemoteTopologyConfig& config() const { return config_; }

  fw::CommandStatus primary_command(uint16_t code, uint16_t a, uint16_t b,
                                    std::array<uint64_t, 3> p = {}) {
    return primary_fw_->command(fw::CommandBlock{code, a, b, p});
  }
  fw::CommandStatus secondary_command(uint16_t code, uint16_t a, uint16_t b,
                                      std::array<uint64_t, 3> p = {}) {
    return secondary_fw_->command(fw::CommandBlock{code, a, b, p});
  }

  // DEFINE_BRIDGE on both arrays and ESTABLISH_BRIDGE for bridge k: data
  // over forward link `data_link`, status back over return link `status_link`.
  fw::CommandStatus set_up_bridge(uint32_t k, uint32_t data_link, uint32_t status_link) {
    auto s = secondary_command(fw::kDefineBridge, data_bridge(false, k), status_bridge(false, k),
                               {1, 0, 0});
    if (!s.ok()) return s;
    s = primary_command(fw::kDefineBridge, data_bridge(true, k), status_bridge(true, k));
    if (!s.ok()) return s;
    return primary_command(fw::kEstablishBridge, data_bridge(true, k), data_bridge(false, k),
                           {data_link, status_link, status_bridge(false, k)});
  }

  // From a thread process: until bridge k is established or failed.
  fw::BridgeState wait_bridge(uint32_t k) {
    for (;;) {
      const fw::BridgeState s = primary_fw_->bridges().state(data_bridge(true, k));
      if (s == fw::BridgeState::established || s == fw::BridgeState::failed) return s;
      wait(sc_core::sc_time(10, sc_core::SC_US));
    }
  }

  // Volume i's tracks whose user data differ between primary and secondary,
  // read through both arrays' host ports (so each block also carries the
  // right address for its own device).
  uint64_t differing_tracks(uint32_t i) {
    const Volume* v = primary_.volume(primary_volume(i));
    const uint32_t bpt = v->geometry.blocks_per_track;
    std::vector<uint8_t> a(bpt * 512), b(bpt * 512);
    uint64_t n = 0;
    for (uint64_t t = 0; t < v->geometry.tracks; ++t) {
      const auto ra = primary_.read(0, primary_volume(i), t * bpt, bpt, a);
      const auto rb = secondary_.read(0, secondary_volume(i), t * bpt, bpt, b);
      n += !(ra.ok() && rb.ok() && a == b);
    }
    return n;
  }

 private:
  using Volume = sc::Volume;
  static nlohmann::json array(const RemoteTopologyConfig& c, bool primary) {
    nlohmann::json volumes = nlohmann::json::array();
    volumes.push_back({{"first_device", fmt::format("{:#06x}", primary ? 0x1000 : 0x2000)},
                       {"count", c.volumes},
                       {"model", c.model}});
    if (c.model == "FBA") volumes.back()["tracks"] = c.tracks;
    if (c.bridges > 0) {
      for (bool data : {true, false}) {
        const uint16_t first = data ? data_bridge(primary, 0) : status_bridge(primary, 0);
        volumes.push_back({{"first_device", fmt::format("{:#06x}", first)},
                           {"count", c.bridges},
                           {"model", "FBA"},
                           {"tracks", c.bridge_tracks}});
      }
    }
    nlohmann::json a = {
        {"cache",
         {{"slots", c.cache_slots}, {"non_volatile", primary || c.secondary_non_volatile}}},
        {"drives", c.drives},
        {"volumes", volumes}};
    if (!c.drive.is_null()) a["drive"] = c.drive;
    a["parity_group"] = c.parity_group;
    return a;
  }

  RemoteTopologyConfig config_;
  sc::StorageArray primary_;
  sc::StorageArray secondary_;
  sc::LinkAdapter forward_;
  sc::LinkAdapter back_;
  std::vector<std::unique_ptr<sc::FcLink>> links_;
  std::unique_ptr<sc::ArrayHardware> primary_hw_;
  std::unique_ptr<sc::ArrayHardware> secondary_hw_;
  std::unique_ptr<fw::Controller> primary_fw_;
  std::unique_ptr<fw::Controller> secondary_fw_;
};

}  // namespace copysim::testing
