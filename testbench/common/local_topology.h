// One array with its firmware, for the local copy services: volumes
// 0x3000 + i (FBA, `tracks` tracks of `track_kib` KiB), host IO and command
// blocks on its host ports. Build it inside a forked child.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "firmware/controller/controller.h"
#include "systemc/array/storage_array.h"
#include "systemc/hal/array_hardware.h"
#include "testbench/common/host_data.h"
#include "testbench/common/sc_fork.h"

namespace copysim::testing {

struct LocalTopologyConfig {
  uint32_t volumes = 4;
  uint64_t tracks = 64;
  uint32_t track_kib = 16;
  uint32_t drives = 4;
  uint64_t cache_slots = 1024;
  // Merged into the array description last (a JSON merge patch): any
  // other setting of the array file, such as its parity_group or cache.
  nlohmann::json array_patch = nlohmann::json::object();
  // A second group of volumes 0x3800 + i of other sizes, when set.
  uint32_t big_volumes = 0;
  uint64_t big_tracks = 0;
  fw::ControllerConfig firmware;
};

inline uint16_t local_volume(uint32_t i) { return static_cast<uint16_t>(0x3000 + i); }
inline uint16_t big_volume(uint32_t i) { return static_cast<uint16_t>(0x3800 + i); }

class LocalTopology {
 public:
  explicit LocalTopology(const LocalTopologyConfig& c)
      : array_("array", sc::ArrayConfig::from_json(array(c))),
        hw_("hw", array_, nullptr),
        firmware_(hw_, c.firmware) {
    hw_.run_firmware(firmware_.dispatcher());
    hw_.accept_commands(firmware_);
    hw_.intercept_host_io(firmware_.host_io(), firmware_.host_io());
  }

  sc::StorageArray& array() { return array_; }
  fw::Controller& firmware() { return firmware_; }
  sc::ArrayHardware& hardware() { return hw_; }
  uint32_t blocks_per_track(uint16_t device) const {
    return array_.volume(device)->geometry.blocks_per_track;
  }
  uint64_t blocks(uint16_t device) const { return array_.volume(device)->geometry.blocks(); }

  // From a thread process: a command block through host port 0, as a host
  // sends it; `response_ps` gets the time its status took.
  fw::CommandStatus command(uint16_t code, uint16_t a, uint16_t b, std::array<uint64_t, 3> p = {},
                            uint64_t* response_ps = nullptr) {
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const auto bytes = array_.command(0, fw::encode(fw::CommandBlock{code, a, b, p}));
    if (response_ps != nullptr) {
      *response_ps = static_cast<uint64_t>((sc_core::sc_time_stamp() - start).value());
    }
    return fw::decode_status(bytes);
  }

  // From a thread process: writes blocks with data version `version`.
  sc::IoStatus write(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                     uint64_t version) {
    std::vector<uint8_t> data(std::size_t{count} * 512);
    for (uint32_t i = 0; i < count; ++i) {
      fill_user_block(std::span(data).subspan(std::size_t{i} * 512, 512), device, block + i,
                      version);
    }
    return array_.write(port, device, block, count, data);
  }

  // From a thread process: the whole volume read through a host port, one
  // track at a time (each block checked against its own address and check
  // code on the way). Empty if any read failed.
  std::vector<uint8_t> read_volume(uint16_t device, std::string* error = nullptr) {
    const uint32_t bpt = blocks_per_track(device);
    std::vector<uint8_t> all(blocks(device) * 512);
    for (uint64_t b = 0; b < blocks(device); b += bpt) {
      const auto s = array_.read(0, device, b, bpt, std::span(all).subspan(b * 512, bpt * 512));
      if (!s.ok()) {
        if (error != nullptr) *error = s.message;
        return {};
      }
    }
    return all;
  }

 private:
  static nlohmann::json array(const LocalTopologyConfig& c) {
    nlohmann::json volumes = nlohmann::json::array();
    volumes.push_back({{"first_device", fmt::format("{:#06x}", local_volume(0))},
                       {"count", c.volumes},
                       {"model", "FBA"},
                       {"tracks", c.tracks},
                       {"track_kib", c.track_kib}});
    if (c.big_volumes > 0) {
      volumes.push_back({{"first_device", fmt::format("{:#06x}", big_volume(0))},
                         {"count", c.big_volumes},
                         {"model", "FBA"},
                         {"tracks", c.big_tracks},
                         {"track_kib", c.track_kib}});
    }
    nlohmann::json a = {
        {"cache", {{"slots", c.cache_slots}}}, {"drives", c.drives}, {"volumes", volumes}};
    a.merge_patch(c.array_patch);
    return a;
  }

  sc::StorageArray array_;
  sc::ArrayHardware hw_;
  fw::Controller firmware_;
};

// Builds the topology in a forked child, runs `body` as a process there,
// and hands back what it returned.
inline nlohmann::json in_local_topology(const LocalTopologyConfig& config,
                                        const std::function<nlohmann::json(LocalTopology&)>& body) {
  return nlohmann::json::parse(run_forked([&] {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    LocalTopology t(config);
    nlohmann::json out;
    sc_core::sc_spawn([&] {
      out = body(t);
      sc_core::sc_stop();
    });
    sc_core::sc_start();
    return out.dump();
  }));
}

}  // namespace copysim::testing
