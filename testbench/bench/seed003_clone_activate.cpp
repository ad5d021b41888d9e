// Seed 003's claim as an experiment: with a precopy started some lead time
// before ACTIVATE, only the tracks a host wrote since their precopy are left
// to copy after the point in time, and ACTIVATE's response does not depend
// on the volume's size. A host writes single blocks to a tenth of the
// source's tracks (every tenth track), one write every 2 to 10 ms; the
// precopy starts at CREATE, ACTIVATE comes `lead` later (lead 0: no precopy).
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "testbench/bench/bench_output.h"
#include "testbench/common/local_topology.h"

using namespace copysim;
using namespace copysim::testing;
using copysim::bench::BenchOutput;

namespace {

const uint16_t kSource = local_volume(0);
const uint16_t kTarget = local_volume(1);

struct ActivateRow {
  uint64_t precopied = 0;
  uint64_t passes = 0;
  uint64_t copied_after = 0;
  double activate_us = 0;
  double copy_after_ms = 0;  // ACTIVATE to copied
  uint64_t host_writes = 0;
};

ActivateRow run_activate(uint64_t tracks, double lead_ms) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = tracks;
  c.cache_slots = 4096;
  const nlohmann::json j = in_local_topology(c, [&](LocalTopology& t) {
    const uint32_t bpt = t.blocks_per_track(kSource);
    bool stop = false;
    uint64_t writes = 0;
    sc_core::sc_spawn([&] {
      std::mt19937_64 rng(3);
      while (!stop) {
        const uint64_t track = 10 * (rng() % (tracks / 10));
        if (!t.write(1, kSource, track * bpt + rng() % bpt, 1, rng() | 1).ok()) {
          throw std::runtime_error("seed003: host write failed");
        }
        ++writes;
        wait(sc_core::sc_time(double(2000 + rng() % 8000), sc_core::SC_US));
      }
    });
    auto session = [&] { return *t.firmware().clones().session(kTarget); };
    const bool precopy = lead_ms > 0;
    if (!t.command(fw::kCreateClone, kSource, kTarget, {precopy ? 1u : 0u, 0, 0}).ok()) {
      throw std::runtime_error("seed003: CREATE failed");
    }
    wait(sc_core::sc_time(lead_ms, sc_core::SC_MS));
    const fw::CloneSessionInfo at_activate = session();
    uint64_t activate_ps = 0;
    if (!t.command(fw::kActivateClone, kSource, kTarget, {}, &activate_ps).ok()) {
      throw std::runtime_error("seed003: ACTIVATE failed");
    }
    const sc_core::sc_time activated = sc_core::sc_time_stamp();
    while (t.firmware().clones().state(kTarget) != fw::CloneState::copied) {
      wait(sc_core::sc_time(100, sc_core::SC_US));
    }
    stop = true;
    return nlohmann::json{
        {"precopied", at_activate.precopied},
        {"passes", at_activate.precopy_passes},
        {"copied_after", session().copied_after_activate},
        {"activate_us", double(activate_ps) / 1e6},
        {"copy_after_ms", (sc_core::sc_time_stamp() - activated).to_seconds() * 1e3},
        {"host_writes", writes}};
  });
  return {j["precopied"],   j["passes"],        j["copied_after"],
          j["activate_us"], j["copy_after_ms"], j["host_writes"]};
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  BenchOutput out(argc, argv, "seed003_clone_activate");
  out.csv(
      "tracks,lead_ms,precopied,precopy_passes,copied_after_activate,activate_us,"
      "copy_after_ms,host_writes\n");
  out.md(
      "Volumes of 16 KiB tracks on one array with 4 drives (one RAID-5 3D+1P group). Lead: the "
      "time from "
      "CREATE with precopy to ACTIVATE (0: CREATE without precopy).\n\n"
      "| tracks | lead | precopied by ACTIVATE (passes) | copied after ACTIVATE | "
      "ACTIVATE response | ACTIVATE to copied |\n|---:|---:|---:|---:|---:|---:|\n");
  // Optional: one volume size (argv[2]) and one lead time in ms (argv[3]).
  std::vector<uint64_t> sizes = {1000, 4000};
  std::vector<double> leads = {0, 25, 50, 100, 200, 400, 800};
  if (argc > 2) sizes = {std::stoull(argv[2])};
  if (argc > 3) leads = {std::stod(argv[3])};
  for (uint64_t tracks : sizes) {
    for (double lead_ms : leads) {
      const ActivateRow r = run_activate(tracks, lead_ms);
      out.csv("{},{},{},{},{},{:.3f},{:.3f},{}\n", tracks, lead_ms, r.precopied, r.passes,
              r.copied_after, r.activate_us, r.copy_after_ms, r.host_writes);
      out.md("| {} | {:.0f} ms | {} ({}) | {} | {:.1f} us | {:.1f} ms |\n", tracks, lead_ms,
             r.precopied, r.passes, r.copied_after, r.activate_us, r.copy_after_ms);
    }
  }
  out.md("\n");
  return 0;
}
