// Seed 004's pace: a local pair copies a volume (create, then split at
// once) at pace 1, 3 or 15 tracks a step while a host reads another volume
// on the primary's drive. Faster pace ends the copy sooner and makes the
// host's reads wait longer behind it. Shared by the test and the bench.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/common/local_topology.h"
#include "testbench/common/sc_fork.h"

namespace copysim::testing {

struct PaceRow {
  uint32_t pace = 0;
  uint64_t tracks = 0;
  uint64_t tracks_copied = 0;
  double copy_ms = 0;
  uint64_t host_reads = 0;
  double read_mean_us = 0;
  double read_max_us = 0;
};

inline PaceRow run_pace(uint32_t pace, uint64_t tracks) {
  const auto j = nlohmann::json::parse(run_forked([&] {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    LocalTopologyConfig c;
    c.volumes = 4;  // 0x3000 on drive 0 ... 0x3003 on drive 3
    c.tracks = tracks;
    c.big_volumes = 1;  // 0x3800, on drive 0 with the primary
    c.big_tracks = 20000;
    c.cache_slots = 512;
    LocalTopology t(c);
    nlohmann::json out;
    sc_core::sc_spawn([&] {
      const uint16_t p = local_volume(0), s = local_volume(1);
      bool copying = true;
      uint64_t reads = 0;
      double sum_us = 0, max_us = 0;
      sc_core::sc_spawn([&] {
        std::mt19937_64 rng(pace);
        std::vector<uint8_t> data(8 * 512);
        const uint64_t blocks = t.blocks(big_volume(0));
        while (copying) {
          const auto r = t.array().read(0, big_volume(0), rng() % (blocks - 8), 8, data);
          const double us = r.response.to_seconds() * 1e6;
          ++reads;
          sum_us += us;
          max_us = std::max(max_us, us);
          wait(sc_core::sc_time(500, sc_core::SC_US));
        }
      });
      const sc_core::sc_time start = sc_core::sc_time_stamp();
      t.command(fw::kCreateLocalPair, p, s, {pace, 0, 0});
      t.command(fw::kCopyLocalPair, p, s);
      while (t.firmware().local_pairs().state(p, s) != fw::LocalPairState::copied) {
        wait(sc_core::sc_time(50, sc_core::SC_US));
      }
      copying = false;
      out = {{"copy_ms", (sc_core::sc_time_stamp() - start).to_seconds() * 1e3},
             {"tracks_copied", t.firmware().local_pairs().pair(p, s)->tracks_copied},
             {"reads", reads},
             {"read_mean_us", reads ? sum_us / double(reads) : 0.0},
             {"read_max_us", max_us}};
      sc_core::sc_stop();
    });
    sc_core::sc_start();
    return out.dump();
  }));
  return PaceRow{pace,
                 tracks,
                 j["tracks_copied"].get<uint64_t>(),
                 j["copy_ms"].get<double>(),
                 j["reads"].get<uint64_t>(),
                 j["read_mean_us"].get<double>(),
                 j["read_max_us"].get<double>()};
}

inline std::vector<PaceRow> run_pace_experiment(const std::vector<uint32_t>& paces,
                                                uint64_t tracks = 120) {
  std::vector<PaceRow> rows;
  for (uint32_t pace : paces) rows.push_back(run_pace(pace, tracks));
  return rows;
}

}  // namespace copysim::testing
