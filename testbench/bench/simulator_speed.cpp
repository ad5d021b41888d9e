// The simulator's own speed at full-array scale, against this machine's
// floor:
// - memcpy bandwidth (the ceiling for moving full data);
// - the SystemC kernel's bare event rate: two threads notifying each other
//   with a 1 ns delay, one delta cycle per event;
// - the full array: two arrays of 1,024 3390-3 volumes (51.3 M tracks each)
//   with their firmware, 8 forward links of 16GFC, every pair established
//   with copy at once, run for WINDOW simulated seconds (argv[2], default
//   1): tracks copied, wall time, delta cycles, resident memory; the wall
//   time and memory for all 51.3 M tracks follow by proportion.
// Each part runs in its own forked child, so one elaboration each.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "testbench/bench/bench_output.h"
#include "testbench/common/remote_topology.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::testing;
using namespace copysim::bench;
using nlohmann::json;

namespace {

double memcpy_gb_per_s() {
  std::vector<uint8_t> a(256u << 20, 1), b(256u << 20, 2);
  std::memcpy(b.data(), a.data(), a.size());  // touch every page first
  const auto t0 = WallClock::now();
  int rounds = 0;
  while (seconds_since(t0) < 1.0) {
    std::memcpy(rounds % 2 ? a.data() : b.data(), rounds % 2 ? b.data() : a.data(), a.size());
    ++rounds;
  }
  const double s = seconds_since(t0);
  if (a[12345] + b[54321] == 0) return 0;  // keeps the copies observable
  return double(a.size()) * rounds / s / 1e9;
}

json bare_kernel(uint64_t events) {
  return json::parse(run_forked([&] {
    sc_core::sc_event ping, pong;
    const sc_core::sc_time ns(1, sc_core::SC_NS);
    sc_core::sc_spawn([&] {
      for (uint64_t i = 0; i < events / 2; ++i) {
        pong.notify(ns);
        wait(ping);
      }
      sc_core::sc_stop();
    });
    sc_core::sc_spawn([&] {
      for (;;) {
        wait(pong);
        ping.notify(ns);
      }
    });
    const auto t0 = WallClock::now();
    sc_core::sc_start();
    const double s = seconds_since(t0);
    return json{{"deltas", sc_core::sc_delta_count()}, {"wall_s", s}}.dump();
  }));
}

json full_array(double window_s) {
  return json::parse(run_forked([&] {
    const auto t_config = WallClock::now();
    RemoteTopologyConfig c;
    c.volumes = 1024;
    c.model = "3390-3";
    c.links = 8;
    c.return_links = 1;
    c.drives = 128;
    c.cache_slots = 16384;
    c.firmware.master_tcbs = 1040;  // each pair's initial copy runs its own master
    RemoteTopology t(c);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    const double rss_configured = rss_mib();
    json result;
    double half_rss = 0;
    uint64_t half_tracks = 0;
    sc_core::sc_spawn([&] {
      if (!t.primary_command(fw::kEstablishPath, 0, 0).ok()) {
        throw std::runtime_error("ESTABLISH_PATH failed");
      }
      for (uint32_t i = 0; i < c.volumes; ++i) {
        const auto s =
            t.primary_command(fw::kEstablishPair, primary_volume(i), secondary_volume(i));
        if (!s.ok()) throw std::runtime_error(s.message);
      }
      // Memory that grows with tracks copied, measured over the second half
      // (the first fills the caches and starts every TCB).
      wait(sc_core::sc_time(window_s / 2, sc_core::SC_SEC));
      half_rss = rss_mib();
      half_tracks = t.primary_hardware().tracks_sent();
      wait(sc_core::sc_time(window_s / 2, sc_core::SC_SEC));
      sc_core::sc_stop();
    });
    const double config_s = seconds_since(t_config);
    const auto t0 = WallClock::now();
    sc_core::sc_start();
    const double wall_s = seconds_since(t0);
    const auto* v = t.primary().volume(primary_volume(0));
    result = {{"config_s", config_s},
              {"wall_s", wall_s},
              {"simulated_s", sc_core::sc_time_stamp().to_seconds()},
              {"tracks_sent", t.primary_hardware().tracks_sent()},
              {"tracks_total", v->geometry.tracks * c.volumes},
              {"blocks_per_track", v->geometry.blocks_per_track},
              {"deltas", sc_core::sc_delta_count()},
              {"rss_configured_mib", rss_configured},
              {"rss_end_mib", rss_mib()},
              {"rss_half_mib", half_rss},
              {"tracks_half", half_tracks},
              {"peak_rss_mib", peak_rss_mib()}};
    return result.dump();
  }));
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  BenchOutput out(argc, argv, "simulator_speed");
  const double window_s = argc > 2 ? std::stod(argv[2]) : 1.0;
  // `full-array` as argv[3]: that part alone (for the profile).
  const bool whole = argc <= 3 || std::string(argv[3]) != "full-array";
  const double memcpy_gbs = whole ? memcpy_gb_per_s() : 1;
  const json bare = whole ? bare_kernel(20'000'000) : json{{"deltas", 1}, {"wall_s", 1}};
  const json fa = full_array(window_s);

  const double bare_rate = bare["deltas"].get<double>() / bare["wall_s"].get<double>();
  const double tracks = fa["tracks_sent"], wall = fa["wall_s"], total = fa["tracks_total"];
  const double model_rate = fa["deltas"].get<double>() / wall;
  const double track_bytes = fa["blocks_per_track"].get<double>() * 520;
  const double moved_gbs = tracks * track_bytes / wall / 1e9;
  const double grown_mib = fa["rss_end_mib"].get<double>() - fa["rss_half_mib"].get<double>();
  const double per_track_kib =
      std::max(0.0, grown_mib * 1024 / (tracks - fa["tracks_half"].get<double>()));
  const double full_wall = wall / tracks * total;
  const double full_gib =
      (fa["rss_end_mib"].get<double>() + per_track_kib / 1024 * (total - tracks)) / 1024;

  out.csv("figure,value\n");
  out.csv("memcpy_gb_per_s,{:.3f}\nbare_events_per_s,{:.0f}\nmodel_events_per_s,{:.0f}\n",
          memcpy_gbs, bare_rate, model_rate);
  out.csv("tracks_per_wall_s,{:.1f}\nmoved_gb_per_s,{:.4f}\nrss_kib_per_track,{:.2f}\n",
          tracks / wall, moved_gbs, per_track_kib);
  out.csv("full_array_wall_s,{:.0f}\nfull_array_gib,{:.1f}\n", full_wall, full_gib);

  out.md(
      "The full array: two arrays of 1,024 3390-3 volumes ({:.1f} M tracks each, "
      "{} stored blocks a track), 128 drives and 16,384 cache slots each, firmware on "
      "both, 8 forward links of 16GFC at 10 km; every pair established with copy at once "
      "and run for {} s of simulated time.\n\n",
      total / 1e6, fa["blocks_per_track"].get<int>(), fa["simulated_s"].get<double>());
  out.md("| figure | value | target |\n|---|---:|---:|\n");
  out.md("| configuration (both arrays, firmware, links) | {:.2f} s, {:.0f} MiB | |\n",
         fa["config_s"].get<double>(), fa["rss_configured_mib"].get<double>());
  out.md("| tracks copied in the window | {:.0f} ({:.0f} per simulated second) | |\n", tracks,
         tracks / fa["simulated_s"].get<double>());
  out.md("| wall time of the window | {:.1f} s | |\n", wall);
  out.md("| simulated tracks per wall-second | {:.0f} | {:.0f} (all tracks in 120 s) |\n",
         tracks / wall, total / 120);
  out.md("| all {:.1f} M tracks, by proportion: wall time | {:.0f} s ({:.1f} h) | < 120 s |\n",
         total / 1e6, full_wall, full_wall / 3600);
  out.md("| resident memory at the end of the window | {:.0f} MiB (peak {:.0f} MiB) | |\n",
         fa["rss_end_mib"].get<double>(), fa["peak_rss_mib"].get<double>());
  out.md("| resident memory per track copied (second half of the window) | {:.2f} KiB | |\n",
         per_track_kib);
  out.md("| all tracks: memory at the end, plus that per track | {:.2f} GiB | < 4 GiB |\n",
         full_gib);
  out.md("| full data moved per wall-second | {:.3f} GB/s ({:.2f}% of memcpy) | 40% of memcpy |\n",
         moved_gbs, 100 * moved_gbs / memcpy_gbs);
  out.md("| this machine's memcpy (256 MiB buffers) | {:.2f} GB/s | |\n", memcpy_gbs);
  out.md("| SystemC kernel, bare ping-pong | {:.2f} M events per wall-second | |\n",
         bare_rate / 1e6);
  out.md("| copysim, the full array | {:.2f} M events per wall-second | |\n", model_rate / 1e6);
  out.md("| model cost per event against the bare kernel | {:.1f}x | at most 3x |\n\n",
         bare_rate / model_rate);
  out.md(
      "An event here is a delta cycle (`sc_delta_count()`): in the bare ping-pong each "
      "wakes one thread; in the model one may run several processes.\n\n");
  return 0;
}
