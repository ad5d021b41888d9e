// Seed 000 as an experiment: a block transfer's master and data-mover TCBs,
// run by the primary's processors, send a block of tracks, written by a host
// and held in the primary's cache, over one or more links to the secondary.
// One run per forked child; the result is JSON (throughput, tracks piped and
// serial, groups per link, and the secondary read back against the primary).
// Shared by the test and the experiment.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/controller/controller.h"
#include "firmware/remote_copy/block_transfer.h"
#include "systemc/array/storage_array.h"
#include "systemc/hal/array_hardware.h"
#include "systemc/link_adapter/link_adapter.h"
#include "systemc/link_adapter/remote_commit.h"
#include "testbench/common/host_data.h"
#include "testbench/common/sc_fork.h"

namespace copysim::testing {

inline constexpr uint32_t kBpt = 128;
inline constexpr double kTrackBytes = kBpt * 520.0;
inline constexpr double kRate = 14.025e9 * 64 / 66 / 8;

struct TransferSetup {
  std::vector<std::string> speeds = {"16GFC"};
  double km = 10;
  uint32_t tracks = 2000;
  uint32_t movers = 64;  // data-mover pool
  fw::BlockTransferConfig transfer;
  double steal_from_us = -1, steal_to_us = -1;  // another user takes every free data mover
};

inline nlohmann::json transfer_array(const char* device) {
  return nlohmann::json::parse(fmt::format(R"({{
    "cache": {{"slots": 4096, "write_pending_limit": 0.9}},
    "drives": 4,
    "volumes": [{{"first_device": "{}", "count": 1, "model": "FBA", "tracks": 4000}}]}})",
                                           device));
}

inline nlohmann::json run_transfer(const TransferSetup& s) {
  using namespace copysim::sc;
  return nlohmann::json::parse(run_forked([&] {
    StorageArray primary("primary", ArrayConfig::from_json(transfer_array("0x0100")));
    StorageArray secondary("secondary", ArrayConfig::from_json(transfer_array("0x0200")));
    LinkAdapterConfig la;
    la.fcp.buffers = 64;
    LinkAdapter adapter("la", la, primary.cache());
    std::vector<std::unique_ptr<FcLink>> links;
    for (std::size_t i = 0; i < s.speeds.size(); ++i) {
      FcLinkConfig c;
      c.speed = s.speeds[i];
      c.distance_km = s.km;
      c.bb_credits = 2000;
      links.push_back(std::make_unique<FcLink>(fmt::format("link{}", i).c_str(), c));
      adapter.add_path(*links.back(), commit_to(secondary));
    }
    ArrayHardware hw("hw", primary, &adapter);
    fw::Dispatcher dispatcher(hw);
    fw::TcbPool masters(dispatcher, "masters", 4);
    fw::TcbPool movers(dispatcher, "data movers", s.movers);
    fw::LinkSelector selector(static_cast<uint32_t>(s.speeds.size()));
    fw::BlockTransfer transfer(dispatcher, masters, movers, selector, s.transfer);
    hw.run_firmware(dispatcher);

    nlohmann::json out;
    sc_core::sc_spawn([&] {
      // The block to copy is written by a host first, and stays in cache.
      std::vector<uint8_t> user(kBpt * 512);
      for (uint32_t t = 0; t < s.tracks; ++t) {
        for (uint32_t b = 0; b < kBpt; ++b) {
          fill_user_block(std::span(user).subspan(b * 512, 512), 0x0100, t * kBpt + b, 1);
        }
        primary.write(0, 0x0100, t * kBpt, kBpt, user);
      }
      sc_core::sc_event done;
      transfer.start({0x0100, 0x0200, 0, s.tracks},
                     [&](fw::TransferOutcome) { done.notify(sc_core::SC_ZERO_TIME); });
      if (s.steal_from_us >= 0) {
        sc_core::sc_spawn([&] {
          const sc_core::sc_time t0 = sc_core::sc_time_stamp();
          wait(sc_core::sc_time(s.steal_from_us, sc_core::SC_US));
          std::vector<fw::Tcb*> held;
          while (sc_core::sc_time_stamp() - t0 < sc_core::sc_time(s.steal_to_us, sc_core::SC_US)) {
            while (fw::Tcb* t = movers.allocate()) held.push_back(t);
            wait(sc_core::sc_time(1, sc_core::SC_US));
          }
          for (fw::Tcb* t : held) movers.release(*t);
        });
      }
      wait(done);
      // Every track of the block, read back on both arrays.
      uint64_t mismatches = 0;
      std::vector<uint8_t> a(kBpt * 512), b(kBpt * 512);
      for (uint32_t t = 0; t < s.tracks; ++t) {
        const IoStatus ra = primary.read(0, 0x0100, t * kBpt, kBpt, a);
        const IoStatus rb = secondary.read(0, 0x0200, t * kBpt, kBpt, b);
        mismatches += !(ra.ok() && rb.ok() && a == b);
      }
      const auto& st = transfer.stats();
      nlohmann::json per_link = nlohmann::json::array();
      for (uint32_t i = 0; i < selector.links(); ++i) {
        per_link.push_back({selector.record(i).tracks, selector.record(i).groups});
      }
      out = {{"outcome", transfer.outcome() == fw::TransferOutcome::complete ? "complete" : "not"},
             {"mb_per_s", double(st.bytes) / (double(st.end_ps - st.start_ps) * 1e-12) / 1e6},
             {"us_per_track", double(st.end_ps - st.start_ps) / 1e6 / double(s.tracks)},
             {"piped", st.tracks_piped},
             {"serial", st.tracks_serial},
             {"to_serial", st.to_serial},
             {"to_piped", st.to_piped},
             {"movers_peak", st.movers_peak},
             {"links", per_link},
             {"mismatches", mismatches},
             {"masters_in_use", masters.in_use()},
             {"movers_in_use", movers.in_use()},
             {"ready_left", dispatcher.ready_count()}};
    });
    sc_core::sc_start();
    return out.dump();
  }));
}

// The forward line time of one track sent with an extended CDB: the
// 48-byte command and 33 data frames.
inline double line_us() { return (108.0 + 32 * 2108 + 1084) / kRate * 1e6; }

}  // namespace copysim::testing
