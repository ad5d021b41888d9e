// Seed 002's claim as an experiment: host write response time on volumes
// already in full duplex while N other volumes wait to synchronize, with
// bridges (the volumes queue and one per bridge synchronizes) and without
// (each pair starts its own block transfer at once, as in the baseline).
//
// Topology: four 16GFC links of 10 km forward and one back. Four "other"
// volumes are in full duplex (established without copy) and each receives a
// 4 KiB write every 200 us. Without bridges every pair's path uses all
// four links; with one bridge, link 0 is its data path and the pairs' path
// is links 1 to 3. Response times are taken from 2 ms to 22 ms after the N
// pairs are established.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "testbench/common/host_data.h"
#include "testbench/common/remote_topology.h"
#include "testbench/common/sc_fork.h"

namespace copysim::testing {

struct BridgeExperimentResult {
  double mean_write_us = 0;
  double max_write_us = 0;
  uint64_t writes = 0;
  uint64_t tracks_sent = 0;   // to the secondary in the window, mirrors included
  uint32_t syncing_peak = 0;  // with bridges; without, every pair copies at once
};

inline constexpr uint32_t kOtherVolumes = 4;

// The back end: 16 drives of 15,000 rpm, where the copies are bound by the
// drives, or 64 flash-like drives (no seek worth the name, 100,000 rpm as
// the stand-in for a fast read), where they are bound by the links.
enum class BackEnd { disk, flash };

inline BridgeExperimentResult run_bridge_experiment(uint32_t waiting, bool bridges,
                                                    BackEnd back_end = BackEnd::disk) {
  const std::string out = run_forked([&] {
    RemoteTopologyConfig c;
    c.volumes = waiting + kOtherVolumes;
    c.tracks = 16;
    c.bridges = bridges ? 1 : 0;
    c.bridge_tracks = 64;
    c.links = 4;
    c.return_links = 1;
    c.drives = back_end == BackEnd::disk ? 16 : 64;
    if (back_end == BackEnd::flash) {
      c.drive = {{"rpm", 100000},
                 {"track_to_track_ms", 0.0},
                 {"full_stroke_ms", 0.02},
                 {"head_switch_ms", 0.0},
                 {"controller_overhead_us", 10}};
    }
    c.cache_slots = 8192;
    c.firmware.master_tcbs = waiting + 16;  // without bridges each pair runs its own master
    RemoteTopology t(c);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    nlohmann::json result;
    sc_core::sc_spawn([&] {
      if (bridges) {
        t.set_up_bridge(0, 0, 0);
        t.wait_bridge(0);
      }
      t.primary_command(fw::kEstablishPath, 0, 0, {bridges ? 0b1110u : 0u, 0, 0});
      for (uint32_t i = 0; i < kOtherVolumes; ++i) {
        t.primary_command(fw::kEstablishPair, primary_volume(waiting + i),
                          secondary_volume(waiting + i), {1, 0, 0});
      }
      for (uint32_t i = 0; i < waiting; ++i) {
        const auto s =
            t.primary_command(fw::kEstablishPair, primary_volume(i), secondary_volume(i));
        if (!s.ok()) throw std::runtime_error(s.message);
      }
      const sc_core::sc_time start = sc_core::sc_time_stamp();
      const sc_core::sc_time from = start + sc_core::sc_time(2, sc_core::SC_MS);
      const sc_core::sc_time until = start + sc_core::sc_time(22, sc_core::SC_MS);
      double total_us = 0, max_us = 0;
      uint64_t writes = 0;
      uint32_t running = kOtherVolumes;
      for (uint32_t i = 0; i < kOtherVolumes; ++i) {
        sc_core::sc_spawn([&, i] {
          std::vector<uint8_t> data(8 * 512);
          const uint16_t device = primary_volume(waiting + i);
          // Staggered so that the writers do not arrive together.
          wait(sc_core::sc_time(50.0 * i, sc_core::SC_US));
          for (uint64_t n = 0; sc_core::sc_time_stamp() < until; ++n) {
            const uint64_t block = (n * 8) % (16 * 128);
            for (uint32_t k = 0; k < 8; ++k) {
              fill_user_block(std::span(data).subspan(k * 512, 512), device, block + k, n + 1);
            }
            const sc_core::sc_time t0 = sc_core::sc_time_stamp();
            if (!t.primary().write(0, device, block, 8, data).ok()) {
              throw std::runtime_error("host write failed");
            }
            const double us = (sc_core::sc_time_stamp() - t0).to_seconds() * 1e6;
            if (t0 >= from) {
              total_us += us;
              max_us = std::max(max_us, us);
              ++writes;
            }
            wait(sc_core::sc_time(200, sc_core::SC_US) - (sc_core::sc_time_stamp() - t0));
          }
          --running;
        });
      }
      wait(from - sc_core::sc_time_stamp());
      const uint64_t sent_at_from = t.primary_hardware().tracks_sent();
      wait(until - sc_core::sc_time_stamp());
      const uint64_t sent = t.primary_hardware().tracks_sent() - sent_at_from;
      while (running > 0) wait(sc_core::sc_time(100, sc_core::SC_US));
      result = {
          {"mean_write_us", total_us / double(writes)},
          {"max_write_us", max_us},
          {"writes", writes},
          {"tracks_sent", sent},
          {"syncing_peak", bridges ? t.primary_firmware().bridges().stats().syncing_peak : 0}};
      sc_core::sc_stop();
    });
    sc_core::sc_start();
    return result.dump();
  });
  const nlohmann::json j = nlohmann::json::parse(out);
  BridgeExperimentResult r;
  r.mean_write_us = j["mean_write_us"];
  r.max_write_us = j["max_write_us"];
  r.writes = j["writes"];
  r.tracks_sent = j["tracks_sent"];
  r.syncing_peak = j["syncing_peak"];
  return r;
}

}  // namespace copysim::testing
