// Seed 002's claim, measured: host write response on full-duplex volumes
// while 0 to 1,024 other volumes wait to synchronize, with one bridge and
// without (testbench/common/bridge_experiment.h). Prints the table of
// docs/REMOTE_COPY.md and writes it as CSV.
#include <fmt/format.h>
#include <fmt/os.h>

#include <vector>

#include "testbench/common/bridge_experiment.h"

using namespace copysim::testing;

int sc_main(int argc, char* argv[]) {
  const std::string path = argc > 1 ? argv[1] : "bridge_write_response.csv";
  auto csv = fmt::output_file(path);
  csv.print("back_end,waiting,mode,mean_write_us,growth_pct,max_write_us,writes,tracks_sent\n");
  for (BackEnd back_end : {BackEnd::disk, BackEnd::flash}) {
    const char* be = back_end == BackEnd::disk ? "disk" : "flash";
    const BridgeExperimentResult idle = run_bridge_experiment(0, false, back_end);
    fmt::print("\n{} back end\n\n", be);
    fmt::print(
        "| volumes waiting | mode | mean write response | growth | max | tracks sent in 20 ms |\n");
    fmt::print("|---|---|---|---|---|---|\n");
    fmt::print("| 0 | - | {:.2f} us | - | {:.2f} us | {} |\n", idle.mean_write_us,
               idle.max_write_us, idle.tracks_sent);
    for (uint32_t n : {8u, 64u, 256u, 1024u}) {
      for (bool bridges : {true, false}) {
        const BridgeExperimentResult r = run_bridge_experiment(n, bridges, back_end);
        const double growth = 100.0 * (r.mean_write_us / idle.mean_write_us - 1.0);
        const char* mode = bridges ? "one bridge" : "own path per pair";
        fmt::print("| {} | {} | {:.2f} us | {:+.1f}% | {:.2f} us | {} |\n", n, mode,
                   r.mean_write_us, growth, r.max_write_us, r.tracks_sent);
        csv.print("{},{},{},{:.3f},{:.2f},{:.3f},{},{}\n", be, n, bridges ? "bridge" : "baseline",
                  r.mean_write_us, growth, r.max_write_us, r.writes, r.tracks_sent);
      }
    }
  }
  return 0;
}
