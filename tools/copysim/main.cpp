// copysim: the command line. Without arguments it runs the default demo.
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <systemc>

#include "driver/engine/engine.h"
#include "driver/engine/server.h"
#include "systemc/config/json_reader.h"
#include "systemc/log/log.h"
#include "tools/copysim/config/describe.h"
#include "tools/copysim/config/render.h"
#include "tools/copysim/drr_demo.h"
#include "tools/copysim/run/runner.h"
#include "tools/copysim/scenario/scenario.h"
#include "tools/copysim/scenario/yaml_reader.h"
#include "tools/copysim/sweep.h"

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

// `copysim report`: the summary of a results folder.
int report(const std::string& dir) {
  std::ifstream summary(dir + "/summary.txt");
  if (!summary) {
    fmt::print(stderr, "copysim report: {} is not a results folder (no summary.txt)\n", dir);
    return 2;
  }
  std::cout << summary.rdbuf();
  return 0;
}

// `copysim config`: a description with every default filled in, each value
// with its unit and source; without a file, every default.
int show_config(const std::string& file, const std::string& format) {
  namespace config = copysim::config;
  const config::Format f = format == "json"       ? config::Format::json
                           : format == "markdown" ? config::Format::markdown
                                                  : config::Format::table;
  try {
    const config::Description d =
        file.empty() ? config::describe_defaults() : config::describe_file(file);
    const std::string text = config::render(d, f);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  } catch (const config::ConfigFileError& e) {
    fmt::print(stderr, "copysim config: {}\n", e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "copysim config: {}: {}\n", file, e.what());
  }
  return 2;
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

  // run
  copysim::tools::DrrDemoOptions demo;
  std::string scenario_file, out_dir;
  std::vector<std::string> sets;
  bool quiet = false;
  std::optional<uint64_t> seed;
  CLI::App* run = app.add_subcommand(
      "run",
      "Run a scenario (docs/SCENARIOS.md); without one, the built-in demo: a track copied "
      "through the DRR address-change unit");
  run->add_option("scenario", scenario_file, "Scenario file (YAML or JSON)");
  run->add_option("--out", out_dir, "Results folder (default: results/<scenario name>)");
  run->add_option("--set", sets, "Override a scenario setting: PATH=VALUE, e.g. duration_ms=50");
  run->add_flag("--quiet", quiet, "No progress output");
  run->add_option("--seed", seed, "Seed of the scenario (or of the demo's block contents)");
  run->add_option("--blocks", demo.blocks, "Demo: stored blocks (520 bytes) to copy")
      ->check(CLI::Range(1u, 1u << 20));
  run->add_option("--data-bytes", demo.data_bytes, "Demo: width of the DRR data path in bytes")
      ->check(CLI::IsMember({16u, 64u}));
  run->add_option("--clock-mhz", demo.clock_mhz, "Demo: DRR unit clock")
      ->check(CLI::Range(1.0, 2000.0));
  run->add_option("--damaged-block", demo.damaged_block,
                  "Demo: index of the block damaged in the last run");
  run->add_option("--wave", demo.wave_file,
                  "Demo: write an FST waveform of the RTL run (and FILE.gtkw for GTKWave)");

  // validate, report
  std::string validate_file, report_dir;
  CLI::App* validate = app.add_subcommand("validate", "Check a scenario without running it");
  validate->add_option("scenario", validate_file, "Scenario file")->required();
  validate->add_option("--set", sets, "Override a setting: PATH=VALUE");
  CLI::App* report_cmd = app.add_subcommand("report", "Print the summary of a results folder");
  report_cmd->add_option("results", report_dir, "Results folder of a run")->required();

  // sweep
  copysim::tools::SweepOptions sweep_options;
  CLI::App* sweep = app.add_subcommand(
      "sweep",
      "Run a scenario over a grid of settings, across local cores or as a Slurm job array");
  sweep->add_option("scenario", sweep_options.scenario, "Scenario file")->required();
  sweep->add_option("--grid", sweep_options.grid, "An axis: PATH=v1,v2,... (repeat for more)")
      ->required();
  sweep->add_option("--out", sweep_options.out, "Folder of the runs and sweep.csv");
  sweep->add_option("--jobs", sweep_options.jobs, "Runs at once")->check(CLI::Range(1u, 256u));
  sweep->add_option("--slurm", sweep_options.slurm_script,
                    "Write a Slurm job-array script instead of running");
  sweep->add_flag("--gather", sweep_options.gather_only,
                  "Only gather finished runs into sweep.csv");

  // serve
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

  // config
  std::string config_file, config_format = "table";
  CLI::App* config_cmd = app.add_subcommand(
      "config",
      "Print an array description, a topology or a scenario's topology with every default "
      "filled in, each value with its unit and source (docs/CONFIGURATION.md); without a file, "
      "every default");
  config_cmd->add_option("file", config_file,
                         "Array description or topology (JSON), or scenario (YAML or JSON)");
  config_cmd
      ->add_option("--format", config_format,
                   "table, json (the description itself, which reads back) or markdown")
      ->check(CLI::IsMember({"table", "json", "markdown"}));

  CLI11_PARSE(app, argc, argv);
  copysim::sc::set_log_level(levels.at(log_level));
  if (config_cmd->parsed()) return show_config(config_file, config_format);
  if (serve_cmd->parsed()) return serve(topology_file, serve_options);
  if (report_cmd->parsed()) return report(report_dir);
  if (sweep->parsed()) {
    sweep_options.self = std::filesystem::canonical("/proc/self/exe").string();
    try {
      return copysim::tools::sweep(sweep_options);
    } catch (const std::exception& e) {
      fmt::print(stderr, "copysim sweep: {}\n", e.what());
      return 2;
    }
  }
  if (validate->parsed() || (run->parsed() && !scenario_file.empty())) {
    const std::string file = validate->parsed() ? validate_file : scenario_file;
    try {
      copysim::scenario::Scenario s = copysim::scenario::load(file, sets);
      if (seed) s.seed = *seed;
      if (validate->parsed()) {
        copysim::run::check(s);
        fmt::print("{}: valid: {} arrays, {} workloads, {} timeline entries, {:.3f} ms\n", file,
                   s.topology["arrays"].size(), s.workloads.size(), s.timeline.size(),
                   s.duration_ms);
        return 0;
      }
      copysim::run::RunOptions options;
      // A scenario's name becomes a folder name: nothing but [A-Za-z0-9._-].
      std::string folder = s.name;
      for (char& c : folder) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
          c = '_';
      }
      if (folder.empty() || folder.find_first_not_of('.') == std::string::npos) folder = "run";
      options.results_dir = out_dir.empty() ? "results/" + folder : out_dir;
      options.quiet = quiet;
      options.progress_bar = !quiet && ::isatty(2);
      return copysim::run::run(s, options);
    } catch (const copysim::scenario::ScenarioError& e) {
      fmt::print(stderr, "copysim {}: {}\n", validate->parsed() ? "validate" : "run", e.what());
      return 2;
    } catch (const sc_core::sc_report& e) {
      fmt::print(stderr, "copysim {}: {}: the simulation failed: {}\n",
                 validate->parsed() ? "validate" : "run", file, e.what());
      return 1;
    } catch (const std::exception& e) {
      fmt::print(stderr, "copysim {}: {}: {}\n", validate->parsed() ? "validate" : "run", file,
                 e.what());
      return 2;
    }
  }
  if (seed) demo.seed = *seed;
  if (demo.damaged_block >= demo.blocks) {
    fmt::print(stderr, "copysim run: --damaged-block {} is outside the {} blocks copied\n",
               demo.damaged_block, demo.blocks);
    return 2;
  }
  return copysim::tools::run_drr_demo(demo);
}
