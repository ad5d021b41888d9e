// Throughput of one long transfer on a 16GFC link against distance, for
// several buffer-to-buffer credit counts, from the link model itself; writes
// CSV (km, credits, model MB/s, formula MB/s) for tools/bench/regenerate.sh.
#include <fmt/format.h>
#include <fmt/os.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "systemc/link/fc_link.h"

using namespace copysim::sc;

int sc_main(int argc, char* argv[]) {
  const std::string path = argc > 1 ? argv[1] : "link_throughput_vs_distance.csv";
  const std::vector<uint32_t> credits = {8, 40, 160, 500};
  struct Run {
    double km;
    uint32_t credits;
    double mb_s = 0;
    std::unique_ptr<FcLink> link;
  };
  std::vector<Run> runs;
  static std::vector<uint8_t> zeros(100u * 500 * 2048);
  for (double km = 0; km <= 300; km += 10) {
    for (uint32_t c : credits) {
      FcLinkConfig config;
      config.distance_km = km;
      config.bb_credits = c;
      runs.push_back(
          {km, c, 0, std::make_unique<FcLink>(fmt::format("l{}_{}", km, c).c_str(), config)});
    }
  }
  for (Run& r : runs) {
    sc_core::sc_spawn([&r] {
      const std::size_t frames = std::max<std::size_t>(2000, 100u * r.credits);
      const auto bytes = std::span<const uint8_t>(zeros).first(frames * 2048);
      r.link->forward().transmit(1, FcSequence{kRctlData, bytes});
      r.mb_s = double(bytes.size()) / sc_core::sc_time_stamp().to_seconds() / 1e6;
    });
  }
  sc_core::sc_start();
  auto out = fmt::output_file(path);
  out.print("km,credits,model_mb_per_s,formula_mb_per_s\n");
  for (const Run& r : runs) {
    const double rate = r.link->speed().data_bytes_per_second();
    const double frame_s = (2048.0 + 60) / rate;
    const double formula =
        std::min(rate * 2048 / 2108, r.credits * 2048 / (frame_s + 2 * r.km * 5e-6)) / 1e6;
    out.print("{},{},{:.1f},{:.1f}\n", r.km, r.credits, r.mb_s, formula);
  }
  fmt::print("wrote {} ({} runs)\n", path, runs.size());
  return 0;
}
