// DRR unit speed: RTL-mode cycles per wall-second through the SystemC
// wrapper next to a bare Verilated eval loop of the same RTL, the C++ cycle
// model, and fast-mode blocks per wall-second.
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "Vdrr_unit_w64.h"
#include "rtl/checkcode/stored_block.h"
#include "rtl/drr/drr_transfer.h"
#include "systemc/drr/drr_unit.h"
#include "testbench/bench/bench_output.h"
#include "verilated.h"

namespace {

using namespace copysim;
using Clock = copysim::bench::WallClock;
using copysim::bench::seconds_since;

constexpr uint32_t kBlocksPerTransfer = 111;  // one 3390 track

std::vector<uint8_t> make_track(std::mt19937_64& rng) {
  std::vector<uint8_t> v(kBlocksPerTransfer * checkcode::kStoredBlockBytes);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  for (uint32_t i = 0; i < kBlocksPerTransfer; ++i) {
    checkcode::stamp(std::span(v)
                         .subspan(i * checkcode::kStoredBlockBytes)
                         .first<checkcode::kStoredBlockBytes>(),
                     {1, i});
  }
  return v;
}

// The same RTL with nothing around it: ports poked, clock toggled, eval().
double bare_verilated_cycles_per_second(const std::vector<uint8_t>& track, uint64_t transfers) {
  VerilatedContext context;
  Vdrr_unit_w64 top(&context, "TOP");
  const unsigned per_block = drr::beats_per_block(64);
  uint64_t cycles = 0;
  auto tick = [&] {
    top.clk = 0;
    top.eval();
    top.clk = 1;
    top.eval();
    ++cycles;
  };
  top.rst = 1;
  tick();
  top.rst = 0;
  top.out_ready = 1;
  top.sts_ready = 1;
  const auto t0 = Clock::now();
  for (uint64_t t = 0; t < transfers; ++t) {
    top.cmd_valid = 1;
    top.cmd_src_device = 1;
    top.cmd_src_block = 0;
    top.cmd_dst_device = 2;
    top.cmd_dst_block = 0;
    top.cmd_block_count = kBlocksPerTransfer;
    tick();
    top.cmd_valid = 0;
    top.in_valid = 1;
    for (uint32_t b = 0; b < kBlocksPerTransfer; ++b) {
      const uint8_t* block = track.data() + b * checkcode::kStoredBlockBytes;
      for (unsigned k = 0; k < per_block; ++k) {
        std::memset(top.in_data.data(), 0, 64);
        std::memcpy(top.in_data.data(), block + k * 64, k + 1 == per_block ? 8 : 64);
        tick();
      }
    }
    top.in_valid = 0;
    while (!top.sts_valid) tick();
    tick();
  }
  const double s = seconds_since(t0);
  top.final();
  return double(cycles) / s;
}

struct WrapperFigures {
  double cycles_per_second;
  double blocks_per_second;
};

// Runs the units one after another, so that each wall-clock figure covers
// one implementation only.
class Bench : public sc_core::sc_module {
 public:
  struct Job {
    sc::DrrUnit* unit;
    uint64_t transfers;
    double wall_seconds = 0;
  };

  Bench(const sc_core::sc_module_name& n, std::vector<Job>& jobs, const std::vector<uint8_t>& track)
      : sc_core::sc_module(n), jobs_(jobs), track_(track) {
    SC_HAS_PROCESS(Bench);
    SC_THREAD(run);
  }

 private:
  void run() {
    std::vector<uint8_t> out(track_.size());
    for (Job& job : jobs_) {
      if (!job.unit->powered_on()) wait(job.unit->powered_on_event());
      const auto t0 = Clock::now();
      for (uint64_t t = 0; t < job.transfers; ++t) {
        job.unit->transfer({{1, 0}, {2, 0}, kBlocksPerTransfer}, track_, out);
      }
      job.wall_seconds = seconds_since(t0);
    }
  }
  std::vector<Job>& jobs_;
  const std::vector<uint8_t>& track_;
};

}  // namespace

int sc_main(int argc, char* argv[]) {
  copysim::bench::BenchOutput out(argc, argv, "drr_bench");
  std::mt19937_64 rng(1);
  const auto track = make_track(rng);
  const uint64_t stepped_transfers = 2000;  // about 2 M cycles
  const uint64_t fast_transfers = 20000;    // about 2.2 M blocks

  std::vector<std::unique_ptr<sc::DrrUnit>> units;
  std::vector<Bench::Job> jobs;
  for (auto kind :
       {sc::DrrImplementation::rtl, sc::DrrImplementation::model, sc::DrrImplementation::fast}) {
    sc::DrrUnit::Config c;
    c.implementation = kind;
    units.push_back(
        std::make_unique<sc::DrrUnit>(fmt::format("drr_{}", sc::to_string(kind)).c_str(), c));
    jobs.push_back({units.back().get(),
                    kind == sc::DrrImplementation::fast ? fast_transfers : stepped_transfers});
  }
  Bench bench("bench", jobs, track);
  sc_core::sc_start();

  const double bare = bare_verilated_cycles_per_second(track, stepped_transfers);
  out.csv("implementation,cycles_per_s,blocks_per_s\n");
  out.csv("bare,{:.0f},{:.0f}\n", bare, bare / drr::beats_per_block(64));
  out.md(
      "Transfers of {} stored blocks (one 3390 track) through the unit on its 64-byte "
      "path at 250 MHz, one implementation at a time, no stalls. The bare loop is the "
      "same RTL with nothing around it: ports poked, clock toggled, `eval()` twice a "
      "cycle.\n\n| implementation | simulated cycles per wall-second | blocks per "
      "wall-second |\n|---|---:|---:|\n",
      kBlocksPerTransfer);
  out.md("| bare Verilated eval loop | {:.2f} M | {:.0f} k |\n", bare / 1e6,
         bare / drr::beats_per_block(64) / 1e3);
  for (const Bench::Job& job : jobs) {
    const auto& stats = job.unit->stats();
    const auto kind = job.unit->config().implementation;
    const double cps = double(stats.busy_cycles) / job.wall_seconds;
    const double bps = double(stats.blocks) / job.wall_seconds;
    out.csv("{},{:.0f},{:.0f}\n", sc::to_string(kind), cps, bps);
    out.md("| `DrrUnit` {} | {:.2f} M{} | {:.0f} k |\n", sc::to_string(kind), cps / 1e6,
           kind == sc::DrrImplementation::fast ? " equivalent" : "", bps / 1e3);
  }
  const double rtl_cps = double(jobs[0].unit->stats().busy_cycles) / jobs[0].wall_seconds;
  out.md(
      "\nThe SystemC wrapper in rtl mode costs {:.1f}% over the bare Verilated loop "
      "(target: at most 25%).\n\n",
      (bare / rtl_cps - 1.0) * 100.0);
  return 0;
}
