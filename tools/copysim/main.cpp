// copysim: the command line. Without arguments it runs the default demo.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <map>
#include <systemc>

#include "systemc/log/log.h"
#include "tools/copysim/drr_demo.h"

// SystemC prints its banner before sc_main unless told not to by the
// environment, so copysim enters through its own main.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  CLI::App app{"copysim: a cycle-approximate model of storage arrays and their copy services"};
  app.set_version_flag("--version", COPYSIM_VERSION);
  app.require_subcommand(0, 1);

  std::string log_level = "warning";
  const std::map<std::string, copysim::sc::LogLevel> levels = {
      {"trace", copysim::sc::LogLevel::trace}, {"debug", copysim::sc::LogLevel::debug},
      {"info", copysim::sc::LogLevel::info},   {"warning", copysim::sc::LogLevel::warning},
      {"error", copysim::sc::LogLevel::error}, {"off", copysim::sc::LogLevel::off}};
  app.add_option("--log-level", log_level, "Least severe log messages shown")
      ->check(CLI::IsMember(levels));

  copysim::tools::DrrDemoOptions demo;
  CLI::App* run = app.add_subcommand(
      "run", "Run the built-in demo: a track copied through the DRR address-change unit");
  run->add_option("--blocks", demo.blocks, "Stored blocks (520 bytes) to copy")
      ->check(CLI::Range(1u, 1u << 20));
  run->add_option("--data-bytes", demo.data_bytes, "Width of the DRR data path in bytes")
      ->check(CLI::IsMember({16u, 64u}));
  run->add_option("--clock-mhz", demo.clock_mhz, "DRR unit clock")->check(CLI::Range(1.0, 2000.0));
  run->add_option("--damaged-block", demo.damaged_block,
                  "Index of the block damaged in the last run");
  run->add_option("--seed", demo.seed, "Seed of the block contents");
  run->add_option("--wave", demo.wave_file,
                  "Write an FST waveform of the RTL run (and FILE.gtkw for GTKWave)");

  CLI11_PARSE(app, argc, argv);
  copysim::sc::set_log_level(levels.at(log_level));
  if (demo.damaged_block >= demo.blocks) {
    fmt::print(stderr, "copysim run: --damaged-block {} is outside the {} blocks copied\n",
               demo.damaged_block, demo.blocks);
    return 2;
  }
  return copysim::tools::run_drr_demo(demo);
}
