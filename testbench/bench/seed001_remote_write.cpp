// Seed 001's claim as an experiment: over one 16GFC link of 0 to 300 km,
// the response time of a single 64 KiB remote write with transfer ready
// (standard FCP) and without it (extended CDB), and the throughput of
// pipelined writes (64 writers, 16 secondary buffers) with the secondary's
// buffers pre-allocated or allocated after each receipt
// (testbench/common/fcp_experiment.h). The secondary is an array of the
// default description with one volume for the writes: every write goes
// through its processors and cache, checked block by block.
#include <stdexcept>
#include <string>

#include "testbench/bench/bench_output.h"
#include "testbench/common/fcp_experiment.h"

using namespace copysim::testing;
using namespace copysim::sc;
using copysim::bench::BenchOutput;

namespace {

// The default array, with room for every write of a run at 0x0200.
nlohmann::json secondary_array() {
  return {{"volumes",
           {{{"first_device", "0x0200"},
             {"count", 1},
             {"model", "FBA"},
             {"tracks", 2048},
             {"track_kib", 64}}}}};
}

nlohmann::json checked(FcpScenario s) {
  s.secondary_array = secondary_array();
  nlohmann::json r = run_fcp(s);
  if (r["mismatches"] != 0) throw std::runtime_error("seed001: data mismatch: " + r.dump());
  for (const auto& w : r["results"]) {
    if (w[1] != "good") throw std::runtime_error("seed001: a write failed: " + w.dump());
  }
  return r;
}

double single_write_us(double km, FcpWriteMode mode) {
  FcpScenario s;
  s.link.distance_km = km;
  s.fcp.mode = mode;
  return checked(s)["results"][0][3];
}

double pipelined_mb_per_s(double km, FcpWriteMode mode, SecondaryBufferPolicy policy) {
  FcpScenario s;
  s.link.distance_km = km;
  s.link.bb_credits = 2000;  // enough for 300 km: the buffers, not the credits, limit
  s.fcp.mode = mode;
  s.fcp.policy = policy;
  s.fcp.buffers = 16;
  s.threads = 64;
  s.writes_per_thread = 25;
  s.window_from_s = 0.005;
  s.window_to_s = 0.035;
  return checked(s)["mb_per_s"];
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  BenchOutput out(argc, argv, "seed001_remote_write");
  out.csv(
      "km,single_standard_us,single_extended_us,pipe_standard_pre_mb_s,"
      "pipe_extended_pre_mb_s,pipe_standard_after_mb_s,pipe_extended_after_mb_s\n");
  out.md(
      "Writes of 128 blocks (66.6 KB of stored blocks) over one 16GFC link; the "
      "secondary takes 2 us to decode a command and commits through its own array "
      "(the default description: processors, cache, write-pending limit). Pipelined: 64 "
      "writer threads, 16 secondary buffers, throughput from 5 to 35 ms.\n\n");
  out.md(
      "| km | single write, transfer ready | single write, extended CDB | saved | "
      "pipelined, transfer ready, pre-allocated | pipelined, extended CDB, pre-allocated | "
      "pipelined, transfer ready, allocated after receipt | pipelined, extended CDB, "
      "allocated after receipt |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (double km = 0; km <= 300; km += 25) {
    const double std_us = single_write_us(km, FcpWriteMode::standard);
    const double ext_us = single_write_us(km, FcpWriteMode::extended_cdb);
    double mb[4];
    int i = 0;
    for (SecondaryBufferPolicy p :
         {SecondaryBufferPolicy::preallocated, SecondaryBufferPolicy::allocate_after_receipt}) {
      for (FcpWriteMode m : {FcpWriteMode::standard, FcpWriteMode::extended_cdb}) {
        mb[i++] = pipelined_mb_per_s(km, m, p);
      }
    }
    out.csv("{},{:.3f},{:.3f},{:.2f},{:.2f},{:.2f},{:.2f}\n", km, std_us, ext_us, mb[0], mb[1],
            mb[2], mb[3]);
    out.md(
        "| {} | {:.1f} us | {:.1f} us | {:.0f}% | {:.0f} MB/s | {:.0f} MB/s | {:.0f} MB/s | "
        "{:.0f} MB/s |\n",
        km, std_us, ext_us, 100.0 * (1 - ext_us / std_us), mb[0], mb[1], mb[2], mb[3]);
  }
  out.md("\n");
  return 0;
}
