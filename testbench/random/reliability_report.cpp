#include "testbench/random/reliability_report.h"

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "testbench/random/plan.h"

namespace copysim::testing::random {

Tally tally_of(const std::vector<nlohmann::json>& results) {
  static const nlohmann::json kNone = nlohmann::json::object();
  Tally t;
  for (const std::string& c : fault_classes()) t.faults[c];
  bool first = true;
  for (const auto& r : results) {
    const uint64_t seed = r.value("seed", uint64_t{0});
    t.first_seed = first ? seed : std::min(t.first_seed, seed);
    t.last_seed = first ? seed : std::max(t.last_seed, seed);
    first = false;
    ++t.runs;
    // A run fails on any failure; the mismatches column counts data only.
    const uint64_t failures = r.value("mismatches", uint64_t{0});
    const uint64_t mismatches = r.value("data_mismatches", failures);
    const uint64_t bytes = r.value("bytes_compared", uint64_t{0});
    t.mismatches += mismatches;
    if (failures > 0) {
      ++t.failed_runs;
      t.failing_seeds.push_back(seed);
    }
    t.checks += r.value("checks", uint64_t{0});
    t.bytes_compared += bytes;
    t.writes += r.value("writes", uint64_t{0});
    t.reads += r.value("reads", uint64_t{0});
    t.commands += r.value("commands", uint64_t{0});
    t.events += r.value("events", uint64_t{0});
    t.simulated_us += r.value("end_us", uint64_t{0});
    const auto& faults = r.contains("faults") ? r["faults"] : kNone;
    for (const auto& [name, n] : faults.items()) {
      FaultRow& row = t.faults[name];
      row.injected += n.get<uint64_t>();
      ++row.runs;
      row.survived += failures == 0;
      row.bytes_compared += bytes;
      row.mismatches += mismatches;
    }
    auto add = [&](const char* key, std::map<std::string, uint64_t>& into) {
      const auto& counts = r.contains(key) ? r[key] : kNone;
      for (const auto& [name, n] : counts.items()) {
        into[name] += n.get<uint64_t>();
      }
    };
    add("reactions", t.reactions);
    add("refusals", t.refusals);
    add("steps", t.steps);
    add("promises_checked", t.promises);
  }
  return t;
}

nlohmann::json to_json(const Tally& t) {
  nlohmann::json faults = nlohmann::json::object();
  for (const auto& [name, f] : t.faults) {
    faults[name] = {{"injected", f.injected},
                    {"runs", f.runs},
                    {"survived", f.survived},
                    {"bytes_compared", f.bytes_compared},
                    {"mismatches", f.mismatches}};
  }
  return {{"seeds", {t.first_seed, t.last_seed}},
          {"runs", t.runs},
          {"failed_runs", t.failed_runs},
          {"failing_seeds", t.failing_seeds},
          {"mismatches", t.mismatches},
          {"checks", t.checks},
          {"bytes_compared", t.bytes_compared},
          {"host_writes", t.writes},
          {"host_reads", t.reads},
          {"commands", t.commands},
          {"state_changes", t.events},
          {"simulated_us", t.simulated_us},
          {"faults", faults},
          {"reactions", t.reactions},
          {"refusals", t.refusals},
          {"steps", t.steps},
          {"promises_checked", t.promises}};
}

std::string summary_line(const Tally& t) {
  uint64_t faults = 0;
  for (const auto& [name, f] : t.faults) faults += f.injected;
  return fmt::format(
      "{} runs (seeds {}..{}), {} failed; {} mismatches in {} checks, {:.1f} MB compared; {} "
      "faults injected; {} host writes, {} reads, {} commands; {:.1f} s simulated",
      t.runs, t.first_seed, t.last_seed, t.failed_runs, t.mismatches, t.checks,
      double(t.bytes_compared) / 1e6, faults, t.writes, t.reads, t.commands,
      double(t.simulated_us) / 1e6);
}

namespace {

std::string thousands(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", std::gmtime(&now));
  return buffer;
}

// "Intel(R) Xeon(R) ..., 2 cores": the machine the runs were made on.
std::string machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "an unknown processor";
  unsigned cores = 0;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      ++cores;
    }
  }
  return fmt::format("{}, {} cores", model, cores);
}

// Every recorded run counts: a run may go on from the corpus an earlier
// one evolved, so a target's executions are the sum over its runs, next to
// its longest single run.
std::string fuzz_table(const std::string& record) {
  std::ifstream in(record);
  if (!in) throw std::runtime_error(record + ": cannot read the fuzzing record");
  struct Target {
    uint64_t runs = 0, executions = 0, seconds = 0, longest = 0, edges = 0, crashes = 0;
    std::string date, notes;
  };
  std::map<std::string, Target> targets;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      Target& t = targets[j.at("target").get<std::string>()];
      const uint64_t e = j.at("executions").get<uint64_t>();
      ++t.runs;
      t.executions += e;
      t.seconds += j.at("seconds").get<uint64_t>();
      t.longest = std::max(t.longest, e);
      t.edges = std::max(t.edges, j.at("edges").get<uint64_t>());
      t.crashes += j.at("crashes").get<uint64_t>();
      t.date = std::max(t.date, j.at("date").get<std::string>());
      if (j.contains("note")) {
        t.notes += fmt::format("{}run {}: {}", t.notes.empty() ? "" : "; ", t.runs,
                               j["note"].get<std::string>());
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(fmt::format("{}:{}: {}", record, n, e.what()));
    }
  }
  std::ostringstream out;
  out << "| target | runs | executions, all runs | longest run | wall time, all runs | "
         "executions/s | coverage edges | crashes | latest | notes |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
  for (const auto& [name, t] : targets) {
    const uint64_t s = std::max<uint64_t>(1, t.seconds);
    out << fmt::format("| {} | {} | {} | {} | {} s | {} | {} | {} | {} | {} |\n", name, t.runs,
                       thousands(t.executions), thousands(t.longest), thousands(s),
                       thousands(t.executions / s), t.edges, t.crashes, t.date, t.notes);
  }
  return out.str();
}

}  // namespace

void write_report(const std::string& path, const Tally& t, const std::string& fuzz_record) {
  std::ostringstream md;
  md << "# Reliability\n\n"
     << "Generated by `tools/reliability/regenerate.sh` (`random_runs --report`); do not edit by "
        "hand. How the runs work and what each fault does: docs/VERIFICATION.md.\n\n"
     << "Generated " << today() << " on " << machine() << ".\n\n"
     << "## Randomized runs under the scoreboard\n\n"
     << summary_line(t) << ".\n\n"
     << "| fault class | injected | runs with it | runs survived | bytes compared | mismatches "
        "|\n|---|---:|---:|---:|---:|---:|\n";
  for (const auto& [name, f] : t.faults) {
    md << fmt::format("| {} | {} | {} | {} | {} | {} |\n", name, thousands(f.injected),
                      thousands(f.runs), thousands(f.survived), thousands(f.bytes_compared),
                      thousands(f.mismatches));
  }
  md << fmt::format("| all runs | | {} | {} | {} | {} |\n\n", thousands(t.runs),
                    thousands(t.runs - t.failed_runs), thousands(t.bytes_compared),
                    thousands(t.mismatches));
  md << "### Promises of equality checked, by kind\n\n| promise | checks |\n|---|---:|\n";
  for (const auto& [name, n] : t.promises) md << fmt::format("| {} | {} |\n", name, thousands(n));
  md << "\n### What the model did about the faults\n\n| reaction | count |\n|---|---:|\n";
  for (const auto& [name, n] : t.reactions) md << fmt::format("| {} | {} |\n", name, thousands(n));
  md << "\n### Planned commands refused (the state had moved on)\n\n| status | count |\n"
        "|---|---:|\n";
  for (const auto& [name, n] : t.refusals) md << fmt::format("| {} | {} |\n", name, thousands(n));
  if (!t.failing_seeds.empty()) {
    md << "\nFailing seeds:";
    for (uint64_t s : t.failing_seeds) md << " " << s;
    md << "\n";
  }
  md << "\n## Fuzzing\n\nlibFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, each "
        "target from its seed corpus in the repository, run by "
        "`tools/reliability/fuzz_long.sh` outside CI (CI runs each briefly). Each run's line is "
        "in `docs/reliability/fuzz_runs.jsonl`.\n\n";
  md << (fuzz_record.empty() ? std::string("No fuzzing record given.\n") : fuzz_table(fuzz_record));
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot write");
  out << md.str();
}

}  // namespace copysim::testing::random
