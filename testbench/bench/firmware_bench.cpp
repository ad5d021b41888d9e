// Firmware runtime speed on the platform: TCB switches per wall-second with
// 10,000 TCBs in flight, and simulated tracks per wall-second for a
// 100,000-track block transfer (seed 000) from disk to a secondary array.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "firmware/controller/controller.h"
#include "systemc/array/storage_array.h"
#include "systemc/hal/array_hardware.h"
#include "systemc/link_adapter/link_adapter.h"
#include "systemc/link_adapter/remote_commit.h"
#include "testbench/bench/bench_output.h"

namespace {

using namespace copysim;
using namespace copysim::sc;
using Clock = copysim::bench::WallClock;
using copysim::bench::peak_rss_mib;
using copysim::bench::seconds_since;

fw::Task ping(fw::Dispatcher& d, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    co_await fw::compute{100};
    fw::Event tick(d);
    fw::Tcb* self = &fw::Dispatcher::current();
    d.hardware().start_timer(1'000'000, [&d, self] { d.make_ready(*self); });
    co_await tick.wait();  // parks this TCB; the timer makes it ready
  }
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  copysim::bench::BenchOutput out(argc, argv, "firmware_bench");
  const uint64_t tracks = argc > 2 ? std::stoull(argv[2]) : 100'000;
  auto description = [](const char* device, uint64_t t) {
    return nlohmann::json::parse(fmt::format(R"({{
      "drives": 8,
      "volumes": [{{"first_device": "{}", "count": 1, "model": "FBA", "tracks": {}}}]}})",
                                             device, t));
  };
  StorageArray primary("primary", ArrayConfig::from_json(description("0x0100", tracks)));
  StorageArray secondary("secondary", ArrayConfig::from_json(description("0x0200", tracks)));
  LinkAdapter adapter("la", LinkAdapterConfig{}, primary.cache());
  std::vector<std::unique_ptr<FcLink>> links;
  for (int i = 0; i < 2; ++i) {
    links.push_back(std::make_unique<FcLink>(fmt::format("link{}", i).c_str(), FcLinkConfig{}));
    adapter.add_path(*links.back(), commit_to(secondary));
  }
  ArrayHardware hw("hw", primary, &adapter);
  fw::ControllerConfig cc;
  cc.data_mover_tcbs = 10'000;
  fw::Controller controller(hw, cc);
  hw.run_firmware(controller.dispatcher());

  // Part 1: 10,000 TCBs, each 20 rounds of compute and a timer wait.
  fw::TcbPool pingers(controller.dispatcher(), "pingers", 10'000);
  for (int i = 0; i < 10'000; ++i) {
    controller.dispatcher().start(*pingers.allocate(), ping(controller.dispatcher(), 20));
  }
  auto t0 = Clock::now();
  sc_core::sc_start();
  const double ping_s = seconds_since(t0);
  const uint64_t switches = controller.dispatcher().stats().runs;

  // Part 2: the block transfer.
  const uint64_t runs_before = controller.dispatcher().stats().runs;
  const fw::CommandStatus st =
      controller.command(fw::CommandBlock{fw::kTransferBlock, 0x0100, 0x0200, {0, tracks, 0}});
  if (!st.ok()) {
    fmt::print("transfer refused: {}\n", st.message);
    return 1;
  }
  const double sim0 = sc_core::sc_time_stamp().to_seconds();
  t0 = Clock::now();
  sc_core::sc_start();
  const double copy_s = seconds_since(t0);
  const auto& ts = controller.transfers().transfer(0x0100)->stats();
  const double sim_s = sc_core::sc_time_stamp().to_seconds() - sim0;

  const double tracks_per_s = double(ts.tracks_done) / copy_s;
  out.csv(
      "figure,value\ntcb_switches_per_s,{:.0f}\ntransfer_wall_s,{:.2f}\n"
      "tracks_per_wall_s,{:.1f}\nsimulated_s,{:.4f}\npeak_rss_mib,{:.0f}\n",
      double(switches) / ping_s, copy_s, tracks_per_s, sim_s, peak_rss_mib());
  out.md("| figure | value |\n|---|---:|\n");
  out.md(
      "| TCB switches per wall-second, 10,000 TCBs in flight (compute step and timer wait "
      "each round) | {:.2f} M |\n",
      double(switches) / ping_s / 1e6);
  out.md(
      "| {}-track block transfer (seed 000, 2 links of 16GFC, {} piped, {} serial), wall "
      "time | {:.1f} s |\n",
      ts.tracks_done, ts.tracks_piped, ts.tracks_serial, copy_s);
  out.md("| simulated tracks per wall-second | {:.0f} |\n", tracks_per_s);
  out.md("| simulated time covered | {:.1f} s ({:.0f} MB/s simulated) |\n", sim_s,
         double(ts.bytes) / sim_s / 1e6);
  out.md("| TCB switches in the transfer | {} |\n",
         controller.dispatcher().stats().runs - runs_before);
  out.md("| peak resident memory | {:.2f} GiB |\n\n", peak_rss_mib() / 1024);
  return 0;
}
