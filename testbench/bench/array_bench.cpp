// Array scale: configure 1,024 3390-3 volumes (2.9 TB) and run 1 M random
// 4 KiB IOs (70 % reads) from 64 host streams; prints configuration time,
// resident memory, wall time and simulated IOs per wall-second.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <nlohmann/json.hpp>

#include "systemc/array/storage_array.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace copysim::sc;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Resident set now and at its peak, in MiB (/proc/self/status).
std::pair<double, double> rss_mib() {
  std::ifstream status("/proc/self/status");
  double now = 0, peak = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) now = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stod(line.substr(6)) / 1024;
  }
  return {now, peak};
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  const uint64_t total_ios = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
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

  fmt::print("array: 1,024 3390-3 volumes on 64 drives, cache of {} slots\n", config.cache.slots);
  fmt::print("configuration: {:.3f} s wall, RSS {:.1f} MiB (process start {:.1f} MiB)\n", config_s,
             rss_config.first, rss_start.first);
  fmt::print("workload: {} random 4 KiB IOs, 70% reads, {} streams\n", done, streams);
  fmt::print("run: {:.2f} s wall for {:.3f} s simulated; {:.0f} simulated IOs per wall-second\n",
             run_s, sim_s, double(done) / run_s);
  fmt::print("peak RSS: {:.1f} MiB; blocks stored on drives: {}\n", rss_end.second, [&] {
    uint64_t n = 0;
    for (const auto& d : stats["drives"]) n += d["stored_blocks"].get<uint64_t>();
    return n;
  }());
  fmt::print(
      "simulated: {:.0f} IOPS, read p50 {:.0f} us p99 {:.0f} us, write p50 {:.0f} us, "
      "read hit ratio {:.3f}\n",
      stats["totals"]["iops"].get<double>(),
      stats["totals"]["read_response"]["p50_us"].get<double>(),
      stats["totals"]["read_response"]["p99_us"].get<double>(),
      stats["totals"]["write_response"]["p50_us"].get<double>(),
      stats["cache"]["read_hit_ratio"].get<double>());
  return 0;
}
