#include "tools/copysim/drr_demo.h"

#include <fmt/format.h>

#include <memory>
#include <random>
#include <vector>

#include "rtl/checkcode/stored_block.h"
#include "rtl/drr/drr_transfer.h"

namespace copysim::tools {
namespace {

using checkcode::kStoredBlockBytes;
using sc::DrrImplementation;
using sc::DrrUnit;

struct RunResult {
  std::string label;
  drr::DrrStatus status;
  sc_core::sc_time elapsed;
  std::vector<uint8_t> out;
};

// The host side of the demo: copies the source blocks through each unit in
// turn and records what came out.
class DemoHost : public sc_core::sc_module {
 public:
  DemoHost(const sc_core::sc_module_name& name, const DrrDemoOptions& options,
           std::vector<DrrUnit*> units)
      : sc_core::sc_module(name), options_(options), units_(std::move(units)) {
    std::mt19937_64 rng(options.seed);
    source_.resize(std::size_t{options.blocks} * kStoredBlockBytes);
    for (auto& b : source_) b = static_cast<uint8_t>(rng());
    for (uint32_t i = 0; i < options.blocks; ++i) {
      checkcode::stamp(block(source_, i), {kSourceDevice, i});
    }
    SC_HAS_PROCESS(DemoHost);
    SC_THREAD(run);
  }

  static constexpr uint16_t kSourceDevice = 0x0100;
  static constexpr uint16_t kTargetDevice = 0x0200;

  std::vector<RunResult> results;
  std::vector<uint8_t> source_;

  static std::span<uint8_t, kStoredBlockBytes> block(std::vector<uint8_t>& v, std::size_t i) {
    return std::span(v).subspan(i * kStoredBlockBytes).first<kStoredBlockBytes>();
  }

 private:
  void run() {
    for (DrrUnit* unit : units_) {
      if (!unit->powered_on()) wait(unit->powered_on_event());
    }
    const drr::DrrCommand cmd{{kSourceDevice, 0}, {kTargetDevice, 0}, options_.blocks};
    for (DrrUnit* unit : units_)
      copy(*unit, cmd, source_, std::string(sc::to_string(unit->config().implementation)));
    // The same copy through the RTL with one bit of user data flipped.
    std::vector<uint8_t> damaged = source_;
    damaged[std::size_t{options_.damaged_block} * kStoredBlockBytes + 100] ^= 0x08;
    copy(*units_.front(), cmd, damaged, "rtl, damaged");
  }

  void copy(DrrUnit& unit, const drr::DrrCommand& cmd, const std::vector<uint8_t>& in,
            std::string label) {
    RunResult r{std::move(label), {}, {}, std::vector<uint8_t>(in.size())};
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    r.status = unit.transfer(cmd, in, r.out);
    r.elapsed = sc_core::sc_time_stamp() - start;
    results.push_back(std::move(r));
  }

  DrrDemoOptions options_;
  std::vector<DrrUnit*> units_;
};

}  // namespace

int run_drr_demo(const DrrDemoOptions& options) {
  auto make = [&](const char* name, DrrImplementation implementation) {
    DrrUnit::Config c;
    c.implementation = implementation;
    c.data_bytes = options.data_bytes;
    c.clock_mhz = options.clock_mhz;
    if (implementation == DrrImplementation::rtl) c.wave_file = options.wave_file;
    return std::make_unique<DrrUnit>(name, c);
  };
  auto rtl = make("drr_rtl", DrrImplementation::rtl);
  auto model = make("drr_model", DrrImplementation::model);
  auto fast = make("drr_fast", DrrImplementation::fast);
  DemoHost host("host", options, {rtl.get(), model.get(), fast.get()});
  sc_core::sc_start();
  rtl->close_wave();

  const unsigned beats = drr::beats_per_block(options.data_bytes);
  fmt::print("copysim {}: the DRR address-change unit (local pair copy path)\n", COPYSIM_VERSION);
  fmt::print("unit: {}-byte data path at {} MHz, {} beats per 520-byte stored block\n",
             options.data_bytes, options.clock_mhz, beats);
  fmt::print("copy: {} blocks, device {:#06x} block 0 -> device {:#06x} block 0\n\n",
             options.blocks, DemoHost::kSourceDevice, DemoHost::kTargetDevice);
  fmt::print("{:<14} {:>9} {:>13} {:>11} {:>9} {:>10} {:>10} {:>10}\n", "implementation", "cycles",
             "sim time", "GB/s", "blocks", "CD errors", "LA errors", "first bad");
  for (const RunResult& r : host.results) {
    const double seconds = r.elapsed.to_seconds();
    const auto cycles = static_cast<uint64_t>(r.elapsed / rtl->clock_period() + 0.5);
    fmt::print("{:<14} {:>9} {:>10.3f} us {:>11.2f} {:>9} {:>10} {:>10} {:>10}\n", r.label, cycles,
               seconds * 1e6, double(r.out.size()) / seconds / 1e9, r.status.blocks,
               r.status.cd_errors, r.status.la_errors,
               r.status.first_bad == drr::kNoBadBlock ? std::string("-")
                                                      : std::to_string(r.status.first_bad));
  }

  // Check every block that came out against the target's address.
  bool identical = true;
  for (std::size_t i = 1; i + 1 < host.results.size(); ++i) {
    identical = identical && host.results[i].out == host.results[0].out;
  }
  auto& damaged = host.results.back();
  uint32_t good = 0;
  std::string failures;
  for (uint32_t i = 0; i < options.blocks; ++i) {
    const auto check =
        checkcode::verify(DemoHost::block(damaged.out, i), {DemoHost::kTargetDevice, i});
    if (check == checkcode::BlockCheck::ok) {
      ++good;
    } else {
      failures += fmt::format(
          ", block {} fails its {}", i,
          check == checkcode::BlockCheck::check_code_mismatch ? "check code" : "logical address");
    }
  }
  fmt::print("\nrtl, model and fast outputs identical: {}\n", identical ? "yes" : "NO");
  fmt::print("damaged run, read back at the target: {} of {} blocks verify{}\n", good,
             options.blocks, failures);
  if (!options.wave_file.empty()) {
    fmt::print("waveform: {} (open with: gtkwave {}.gtkw)\n", options.wave_file, options.wave_file);
  }
  return identical && good + 1 == options.blocks ? 0 : 1;
}

}  // namespace copysim::tools
