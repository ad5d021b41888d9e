// Seed 002's claim as an experiment: host write response on full-duplex
// volumes while 8 to 1,024 other volumes wait to synchronize, with one
// bridge and without (each pair its own path), on a disk and a flash back
// end (testbench/common/bridge_experiment.h).
#include <vector>

#include "testbench/bench/bench_output.h"
#include "testbench/common/bridge_experiment.h"

using namespace copysim::testing;
using copysim::bench::BenchOutput;

int sc_main(int argc, char* argv[]) {
  BenchOutput out(argc, argv, "seed002_bridges");
  out.csv("back_end,waiting,mode,mean_write_us,growth_pct,max_write_us,writes,tracks_sent\n");
  out.md(
      "Four full-duplex volumes take a 4 KiB write every 200 us each while N other "
      "volumes wait to synchronize; four 16GFC links of 10 km forward, one back. "
      "Response times from 2 to 22 ms after the N pairs are established.\n");
  for (BackEnd back_end : {BackEnd::disk, BackEnd::flash}) {
    const char* be = back_end == BackEnd::disk ? "disk" : "flash";
    const BridgeExperimentResult idle = run_bridge_experiment(0, false, back_end);
    out.md("\n{} back end ({}):\n\n", be,
           back_end == BackEnd::disk ? "16 drives of 15,000 rpm" : "64 flash-like drives");
    out.md(
        "| volumes waiting | mode | mean write response | growth | max | tracks sent in 20 ms "
        "|\n|---:|---|---:|---:|---:|---:|\n");
    out.md("| 0 | - | {:.2f} us | - | {:.2f} us | {} |\n", idle.mean_write_us, idle.max_write_us,
           idle.tracks_sent);
    out.csv("{},0,idle,{:.3f},0,{:.3f},{},{}\n", be, idle.mean_write_us, idle.max_write_us,
            idle.writes, idle.tracks_sent);
    for (uint32_t n : {8u, 64u, 256u, 1024u}) {
      for (bool bridges : {true, false}) {
        const BridgeExperimentResult r = run_bridge_experiment(n, bridges, back_end);
        const double growth = 100.0 * (r.mean_write_us / idle.mean_write_us - 1.0);
        out.md("| {} | {} | {:.2f} us | {:+.1f}% | {:.2f} us | {} |\n", n,
               bridges ? "one bridge" : "own path per pair", r.mean_write_us, growth,
               r.max_write_us, r.tracks_sent);
        out.csv("{},{},{},{:.3f},{:.2f},{:.3f},{},{}\n", be, n, bridges ? "bridge" : "baseline",
                r.mean_write_us, growth, r.max_write_us, r.writes, r.tracks_sent);
      }
    }
  }
  out.md("\n");
  return 0;
}
