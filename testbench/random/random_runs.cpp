// random_runs: randomized long runs under the scoreboard. Each seed makes a
// plan (topology, workload, commands, faults), runs it in its own process,
// and must end with zero mismatches. A failing seed is replayed exactly
// from its number or its plan file, and shrunk to a small plan that still
// fails. The tallies feed docs/RELIABILITY.md.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <systemc>

#include "testbench/common/sc_fork.h"
#include "testbench/random/plan.h"
#include "testbench/random/reliability_report.h"
#include "testbench/random/run.h"

using namespace copysim::testing;
using namespace copysim::testing::random;

namespace {

nlohmann::json run_isolated(const Plan& plan, const RunOptions& options) {
  try {
    return nlohmann::json::parse(run_forked([&] { return run_plan(plan, options).dump(); }));
  } catch (const std::exception& e) {
    // A crash or an exception is a failure of the run, kept with its seed.
    return {{"seed", plan.seed}, {"mismatches", 1}, {"failures", {e.what()}}};
  }
}

bool failed(const nlohmann::json& r) { return r.value("mismatches", uint64_t{0}) > 0; }

// Greedy shrinking: take the first smaller plan that still fails, until
// none does.
Plan shrink(Plan plan, const RunOptions& options, int& runs) {
  for (bool progress = true; progress;) {
    progress = false;
    for (const Plan& candidate : smaller(plan)) {
      ++runs;
      if (failed(run_isolated(candidate, options))) {
        plan = candidate;
        progress = true;
        break;
      }
    }
  }
  return plan;
}

}  // namespace

// SystemC prints its banner before sc_main unless told not to by the
// environment, so random_runs enters through its own main.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  CLI::App app{"Randomized copysim runs checked by the scoreboard"};
  uint64_t from = 1, count = 1;
  unsigned jobs = 2;
  int repeat = 1;
  std::string plan_file, show, mutant, out, report, fuzz_record;
  bool expect_failure = false, do_shrink = false, verbose = false;
  app.add_option("--from", from, "First seed");
  app.add_option("--count", count, "Number of seeds");
  app.add_option("--jobs", jobs, "Runs at once")->check(CLI::Range(1u, 64u));
  app.add_option("--repeat", repeat, "Run each seed this many times; the results must be equal")
      ->check(CLI::Range(1, 10));
  app.add_option("--plan", plan_file, "Run this plan (JSON) instead of seeds");
  app.add_option("--show-plan", show, "Print the plan of a seed and exit");
  app.add_option("--mutant", mutant, "Run a deliberately broken firmware")
      ->check(CLI::IsMember({"skip-copy-before-write", "secondary-keeps-quiet"}));
  app.add_flag("--expect-failure", expect_failure,
               "Succeed only if some run fails (proves the checker can fail)");
  app.add_flag("--verbose", verbose, "Print every run's result (JSON, one line each)");
  app.add_flag("--shrink", do_shrink, "Shrink the first failing run to a small plan");
  app.add_option("--out", out, "Write summary.json (and a shrunk plan) into this folder");
  app.add_option("--report", report, "Write the reliability report (Markdown) to this file");
  app.add_option("--fuzz-record", fuzz_record, "JSON lines of the long fuzzing runs, for --report");
  CLI11_PARSE(app, argc, argv);

  RunOptions options;
  options.mutant_skip_copy_before_write = mutant == "skip-copy-before-write";
  options.mutant_secondary_keeps_quiet = mutant == "secondary-keeps-quiet";
  if (!show.empty()) {
    std::cout << to_json(generate(std::stoull(show))).dump(2) << "\n";
    return 0;
  }

  std::vector<Plan> plans;
  try {
    if (!plan_file.empty()) {
      std::ifstream in(plan_file);
      if (!in) throw std::invalid_argument(plan_file + ": cannot open");
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(in);
      } catch (const nlohmann::json::parse_error& e) {
        throw std::invalid_argument(plan_file + ": " + e.what());
      }
      plans.push_back(plan_from_json(j));
    } else {
      for (uint64_t s = from; s < from + count; ++s) plans.push_back(generate(s));
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "random_runs: " << e.what() << "\n";
    return 2;
  }

  std::vector<nlohmann::json> results(plans.size());
  std::atomic<std::size_t> next{0};
  std::mutex print;
  auto worker = [&] {
    for (std::size_t i; (i = next++) < plans.size();) {
      nlohmann::json r = run_isolated(plans[i], options);
      for (int k = 1; k < repeat; ++k) {
        const nlohmann::json again = run_isolated(plans[i], options);
        if (again != r) {
          r["mismatches"] = r.value("mismatches", uint64_t{0}) + 1;
          r["failures"].push_back(fmt::format("seed {} ran differently the {} time: {} vs {}",
                                              plans[i].seed, k + 1, r.dump(), again.dump()));
        }
      }
      if (verbose) {
        std::lock_guard lock(print);
        std::cout << r.dump() << "\n";
      }
      if (failed(r)) {
        std::lock_guard lock(print);
        std::cout << fmt::format("seed {}: {} mismatches\n", plans[i].seed,
                                 r["mismatches"].get<uint64_t>());
        for (const auto& f : r["failures"]) std::cout << "  " << f.get<std::string>() << "\n";
      }
      results[i] = std::move(r);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < std::min<std::size_t>(jobs, plans.size()); ++j)
    threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  const Tally tally = tally_of(results);
  std::cout << summary_line(tally) << "\n";
  if (!out.empty()) {
    std::ofstream(out + "/summary.json") << to_json(tally).dump(2) << "\n";
  }

  int failing = -1;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (failed(results[i])) {
      failing = static_cast<int>(i);
      break;
    }
  }
  if (failing >= 0 && do_shrink) {
    int runs = 0;
    const Plan small = shrink(plans[static_cast<std::size_t>(failing)], options, runs);
    const nlohmann::json r = run_isolated(small, options);
    std::cout << fmt::format(
        "shrunk seed {} in {} runs to {} steps, {} hosts, {} tracks, {} us; "
        "it still fails:\n",
        small.seed, runs, small.steps.size(), small.hosts, small.tracks, small.duration_us);
    for (const auto& f : r["failures"]) std::cout << "  " << f.get<std::string>() << "\n";
    const std::string plan_json = to_json(small).dump(2);
    std::cout << plan_json << "\n";
    if (!out.empty()) std::ofstream(out + "/shrunk_plan.json") << plan_json << "\n";
  }
  if (!report.empty()) {
    try {
      write_report(report, tally, fuzz_record);
    } catch (const std::exception& e) {
      std::cerr << "random_runs: " << e.what() << "\n";
      return 2;
    }
  }
  if (expect_failure) {
    // Only the scoreboard's own verdict counts: a crash or a run that never
    // settles would not show that the checker can fail.
    const bool caught = std::any_of(results.begin(), results.end(), [](const nlohmann::json& r) {
      return r.value("data_mismatches", uint64_t{0}) > 0;
    });
    if (!caught) {
      std::cout << "expected the scoreboard to find mismatches, and it found none: the checker "
                   "missed the bug\n";
      return 1;
    }
    return 0;
  }
  return failing >= 0 ? 1 : 0;
}
