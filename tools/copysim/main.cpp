// copysim: the command line. Without arguments it runs the default demo.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <systemc>

#include "driver/engine/engine.h"
#include "driver/engine/server.h"
#include "systemc/config/json_reader.h"
#include "systemc/log/log.h"
#include "tools/copysim/drr_demo.h"

namespace {

std::atomic<bool> stop_serving{false};

// `copysim serve`: the topology behind a socket for host programs.
int serve(const std::string& topology_file, const copysim::engine::ServeOptions& options) {
  std::ifstream in(topology_file);
  if (!in) {
    fmt::print(stderr, "copysim serve: cannot read {}\n", topology_file);
    return 2;
  }
  try {
    copysim::engine::Engine engine(nlohmann::json::parse(in));
    std::signal(SIGTERM, [](int) { stop_serving = true; });
    std::signal(SIGINT, [](int) { stop_serving = true; });
    fmt::print("copysim serve: {} on {}{}\n", topology_file, options.socket_path,
               options.tcp_port ? fmt::format(" and 127.0.0.1:{}", options.tcp_port) : "");
    std::fflush(stdout);
    copysim::engine::serve(engine, options, stop_serving);
  } catch (const nlohmann::json::parse_error& e) {
    fmt::print(stderr, "copysim serve: {}: {}\n", topology_file, e.what());
    return 2;
  } catch (const copysim::sc::ConfigError& e) {
    fmt::print(stderr, "copysim serve: {}: {}\n", topology_file, e.what());
    return 2;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "copysim serve: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

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

  std::string topology_file;
  copysim::engine::ServeOptions serve_options;
  serve_options.socket_path = "copysim.sock";
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "Serve a topology to host programs (the driver's socket transport)");
  serve_cmd->add_option("topology", topology_file, "Topology file (JSON; docs/DRIVER.md)")
      ->required();
  serve_cmd->add_option("--socket", serve_options.socket_path, "Unix domain socket to listen on");
  serve_cmd->add_option("--tcp", serve_options.tcp_port, "Also listen on 127.0.0.1:PORT")
      ->check(CLI::Range(1, 65535));

  CLI11_PARSE(app, argc, argv);
  if (serve_cmd->parsed()) {
    copysim::sc::set_log_level(levels.at(log_level));
    return serve(topology_file, serve_options);
  }
  copysim::sc::set_log_level(levels.at(log_level));
  if (demo.damaged_block >= demo.blocks) {
    fmt::print(stderr, "copysim run: --damaged-block {} is outside the {} blocks copied\n",
               demo.damaged_block, demo.blocks);
    return 2;
  }
  return copysim::tools::run_drr_demo(demo);
}
