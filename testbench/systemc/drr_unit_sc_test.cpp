// The DRR unit as a SystemC module: its three implementations agree on
// bytes, status and simulated time; stalls cost time but never data; callers
// are served in turn; the RTL's waveform is readable by GTKWave's tools.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rtl/drr/drr_transfer.h"
#include "systemc/drr/drr_unit.h"
#include "systemc/drr/drr_wave.h"
#include "systemc/log/log.h"
#include "testbench/common/blocks.h"
#include "testbench/common/sc_harness.h"

using namespace copysim;
using namespace copysim::sc;
using copysim::testing::make_blocks;
using copysim::testing::run_in_simulation;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::sc_time_stamp;

namespace {

std::string arg(int i) {
  auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc > i, "usage: drr_unit_sc_test -- WAVE.fst FST2VCD");
  return suite.argv[i];
}

DrrUnit::Config config(DrrImplementation implementation) {
  DrrUnit::Config c;
  c.implementation = implementation;
  return c;
}

// The platform, elaborated once for the whole suite.
struct Platform {
  Platform() {
    set_log_level(LogLevel::error);
    rtl = std::make_unique<DrrUnit>("rtl", config(DrrImplementation::rtl));
    model = std::make_unique<DrrUnit>("model", config(DrrImplementation::model));
    fast = std::make_unique<DrrUnit>("fast", config(DrrImplementation::fast));
    auto stalled_config = config(DrrImplementation::rtl);
    stalled_config.in_gap_probability = 0.3;
    stalled_config.out_stall_probability = 0.4;
    stalled_config.stall_seed = 11;
    stalled = std::make_unique<DrrUnit>("stalled", stalled_config);
    auto wave_config = config(DrrImplementation::rtl);
    wave_config.wave_file = arg(1);
    waved = std::make_unique<DrrUnit>("waved", wave_config);
    instance = this;
    sc_core::sc_start();  // power on: every unit's reset cycle
  }
  ~Platform() { instance = nullptr; }

  std::unique_ptr<DrrUnit> rtl, model, fast, stalled, waved;
  static Platform* instance;
};
Platform* Platform::instance = nullptr;

Platform& platform() { return *Platform::instance; }

struct Run {
  drr::DrrStatus status;
  std::vector<uint8_t> out;
  sc_time elapsed;
};

Run transfer(DrrUnit& unit, const drr::DrrCommand& cmd, const std::vector<uint8_t>& in) {
  Run run;
  run.out.resize(in.size());
  run_in_simulation([&] {
    const sc_time start = sc_time_stamp();
    run.status = unit.transfer(cmd, in, run.out);
    run.elapsed = sc_time_stamp() - start;
  });
  return run;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Platform);

BOOST_AUTO_TEST_CASE(all_implementations_give_the_same_bytes_status_and_time) {
  std::mt19937_64 rng(1);
  const drr::DrrCommand cmd{{0x0100, 0}, {0x0200, 0}, 111};
  auto in = make_blocks(cmd.block_count, cmd.source, rng);
  in[40 * 520 + 7] ^= 0x10;  // one damaged block
  const Run rtl = transfer(*platform().rtl, cmd, in);
  const Run model = transfer(*platform().model, cmd, in);
  const Run fast = transfer(*platform().fast, cmd, in);
  BOOST_TEST(rtl.status == (drr::DrrStatus{111, 1, 0, 40}));
  BOOST_TEST(model.status == rtl.status);
  BOOST_TEST(fast.status == rtl.status);
  BOOST_TEST(model.out == rtl.out);
  BOOST_TEST(fast.out == rtl.out);
  // 111 blocks of 9 beats + 3 cycles at 250 MHz.
  BOOST_TEST(rtl.elapsed == sc_time(1002 * 4, SC_NS));
  BOOST_TEST(model.elapsed == rtl.elapsed);
  BOOST_TEST(fast.elapsed == rtl.elapsed);
}

BOOST_AUTO_TEST_CASE(stalls_cost_time_but_never_data) {
  std::mt19937_64 rng(2);
  const drr::DrrCommand cmd{{5, 100}, {6, 200}, 64};
  const auto in = make_blocks(cmd.block_count, cmd.source, rng);
  const Run fast = transfer(*platform().fast, cmd, in);
  const Run stalled = transfer(*platform().stalled, cmd, in);
  BOOST_TEST(stalled.status == fast.status);
  BOOST_TEST(stalled.out == fast.out);
  // At least the stall-free time; with 30% source gaps alone the beats take
  // about 1/0.7 as long.
  BOOST_TEST(stalled.elapsed > fast.elapsed * 1.3);
}

BOOST_AUTO_TEST_CASE(concurrent_callers_are_served_in_turn) {
  std::mt19937_64 rng(3);
  const drr::DrrCommand cmd{{1, 0}, {2, 0}, 10};
  const auto in = make_blocks(cmd.block_count, cmd.source, rng);
  std::vector<uint8_t> out_a(in.size()), out_b(in.size());
  sc_time done_a, done_b;
  const sc_time one = sc_time(4, SC_NS) * double(drr::drr_transfer_cycles(10, 64));
  run_in_simulation([&] {
    const sc_time start = sc_time_stamp();
    sc_core::sc_process_handle b = sc_core::sc_spawn([&] {
      platform().model->transfer(cmd, in, out_b);
      done_b = sc_time_stamp() - start;
    });
    platform().model->transfer(cmd, in, out_a);
    done_a = sc_time_stamp() - start;
    wait(b.terminated_event());
  });
  BOOST_TEST(out_a == out_b);
  BOOST_TEST(std::min(done_a, done_b) == one);
  BOOST_TEST(std::max(done_a, done_b) == one * 2.0);
}

BOOST_AUTO_TEST_CASE(statistics_count_transfers_blocks_cycles_and_errors) {
  const DrrUnit::Stats before = platform().fast->stats();
  std::mt19937_64 rng(4);
  const drr::DrrCommand cmd{{1, 0}, {2, 0}, 20};
  auto in = make_blocks(cmd.block_count, cmd.source, rng);
  checkcode::stamp(testing::block_at(in, 2), {1, 99});
  const Run run = transfer(*platform().fast, cmd, in);
  const DrrUnit::Stats& after = platform().fast->stats();
  BOOST_TEST(after.transfers - before.transfers == 1u);
  BOOST_TEST(after.blocks - before.blocks == 20u);
  BOOST_TEST(after.busy_cycles - before.busy_cycles == drr::drr_transfer_cycles(20, 64));
  BOOST_TEST(after.la_errors - before.la_errors == 1u);
  BOOST_TEST(run.status.first_bad == 2u);
}

// The dump is read back with GTKWave's own fst2vcd: it must hold every
// signal the save file groups, in picoseconds, with changes up to the
// transfer's end in simulated time.
BOOST_AUTO_TEST_CASE(rtl_waveform_opens_in_gtkwave_tools_with_the_grouped_signals) {
  std::mt19937_64 rng(5);
  const drr::DrrCommand cmd{{3, 0}, {4, 0}, 4};
  const auto in = make_blocks(cmd.block_count, cmd.source, rng);
  const Run run = transfer(*platform().waved, cmd, in);
  BOOST_TEST(run.status.blocks == 4u);
  const auto end_ps = static_cast<uint64_t>(sc_time_stamp().to_seconds() * 1e12 + 0.5);
  platform().waved->close_wave();

  const std::string fst = arg(1);
  BOOST_REQUIRE(std::filesystem::file_size(fst) > 0);
  BOOST_REQUIRE(std::filesystem::exists(fst + ".gtkw"));
  const std::string vcd = fst + ".vcd";
  const std::string command = arg(2) + " " + fst + " -o " + vcd;
  BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);

  std::ifstream file(vcd);
  std::set<std::string> names;
  std::vector<std::string> scope;
  std::string timescale;
  uint64_t last_time = 0;
  std::regex var(R"(\$var \w+ \d+ \S+ (\S+)(?: (\[\d+:\d+\]))? \$end)");
  for (std::string line; std::getline(file, line);) {
    std::smatch m;
    if (line.rfind("$scope", 0) == 0) {
      std::istringstream words(line);
      std::string skip, kind, name;
      words >> skip >> kind >> name;
      scope.push_back(name);
    } else if (line.rfind("$upscope", 0) == 0) {
      scope.pop_back();
    } else if (std::regex_search(line, m, var)) {
      std::string full;
      for (const auto& s : scope) full += s + ".";
      names.insert(full + m[1].str() + m[2].str());
    } else if (line.rfind("$timescale", 0) == 0) {
      std::string next;
      if (line.find("$end") == std::string::npos) std::getline(file, next);
      timescale = line + next;
    } else if (!line.empty() && line[0] == '#') {
      last_time = std::stoull(line.substr(1));
    }
  }
  BOOST_TEST(timescale.find("1ps") != std::string::npos, "timescale: " << timescale);
  for (const WaveGroup& group : drr_unit_wave_groups(64)) {
    for (const std::string& signal : group.signals) {
      BOOST_TEST(names.count(signal) == 1u, signal << " missing from the dump");
    }
  }
  // The unit's last clock edge is the cycle before the transfer returned.
  BOOST_TEST(last_time <= end_ps);
  BOOST_TEST(last_time + 4000 >= end_ps);
}
