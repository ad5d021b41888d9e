// Array scale: configure 1,024 3390-3 volumes (2.9 TB) and run 1 M random
// 4 KiB IOs (70 % reads) from 64 host streams; prints configuration time,
// resident memory, wall time and simulated IOs per wall-second.
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/array/storage_array.h"
#include "testbench/bench/bench_output.h"

namespace {

using namespace copysim::sc;
using copysim::bench::seconds_since;
using Clock = copysim::bench::WallClock;

// Resident set now and at its peak, in MiB.
std::pair<double, double> rss_mib() {
  return {copysim::bench::rss_mib(), copysim::bench::peak_rss_mib()};
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  copysim::bench::BenchOutput out(argc, argv, "array_bench");
  const uint64_t total_ios = argc > 2 ? std::stoull(argv[2]) : 1'000'000;
  const unsigned streams = 64;
  const auto rss_start = rss_mib();

  const auto t0 = Clock::now();
  ArrayConfig config = ArrayConfig::from_json(nlohmann::json::parse(R"({
    "drives": 64,
    "volumes": [{"first_device": "0x1000", "count": 1024, "model": "3390-3"}]})"));
  StorageArray array("array", config);
  const double config_s = seconds_since(t0);
  const auto rss_config = rss_mib();

  uint64_t done = 0;
  for (unsigned s = 0; s < streams; ++s) {
    sc_core::sc_spawn([&, s] {
      std::mt19937_64 rng(s + 1);
      std::vector<uint8_t> data(8 * 512, static_cast<uint8_t>(s));
      const auto& devices = array.devices();
      const uint64_t blocks = array.volume(devices[0])->geometry.blocks();
      for (uint64_t i = s; i < total_ios; i += streams) {
        const uint16_t device = devices[rng() % devices.size()];
        const uint64_t block = (rng() % (blocks / 8)) * 8;
        const auto port = static_cast<uint32_t>(rng() % array.host_ports());
        const IoStatus st = rng() % 10 < 7 ? array.read(port, device, block, 8, data)
                                           : array.write(port, device, block, 8, data);
        if (!st.ok()) throw std::runtime_error(st.message);
        ++done;
      }
    });
  }
  const auto t1 = Clock::now();
  sc_core::sc_start();
  const double run_s = seconds_since(t1);
  const auto rss_end = rss_mib();
  const nlohmann::json stats = array.statistics();
  const double sim_s = sc_core::sc_time_stamp().to_seconds();

  const uint64_t stored = [&] {
    uint64_t n = 0;
    for (const auto& d : stats["drives"]) n += d["stored_blocks"].get<uint64_t>();
    return n;
  }();
  out.csv(
      "figure,value\nconfig_s,{:.4f}\nrss_config_mib,{:.1f}\nrun_s,{:.2f}\n"
      "ios_per_wall_s,{:.0f}\nsimulated_s,{:.3f}\npeak_rss_mib,{:.0f}\n",
      config_s, rss_config.first, run_s, double(done) / run_s, sim_s, rss_end.second);
  out.md(
      "An array of 1,024 3390-3 volumes on 64 drives with a cache of {} slots, then {} "
      "random 4 KiB IOs (70% reads) from {} host streams.\n\n",
      config.cache.slots, done, streams);
  out.md("| figure | value | target |\n|---|---:|---:|\n");
  out.md("| configuration wall time | {:.3f} s | < 1 s |\n", config_s);
  out.md("| resident memory after configuration | {:.1f} MiB ({:.1f} MiB before) | < 200 MB |\n",
         rss_config.first, rss_start.first);
  out.md("| wall time for the IOs | {:.1f} s | |\n", run_s);
  out.md("| simulated IOs per wall-second | {:.0f} | |\n", double(done) / run_s);
  out.md(
      "| simulated time covered | {:.1f} s ({:.0f} IOPS; read p50 {:.0f} us, p99 {:.0f} us; "
      "write p50 {:.0f} us) | |\n",
      sim_s, stats["totals"]["iops"].get<double>(),
      stats["totals"]["read_response"]["p50_us"].get<double>(),
      stats["totals"]["read_response"]["p99_us"].get<double>(),
      stats["totals"]["write_response"]["p50_us"].get<double>());
  out.md("| peak resident memory | {:.0f} MiB ({} blocks stored on the drives) | |\n\n",
         rss_end.second, stored);
  return 0;
}
