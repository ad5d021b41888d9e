#include "tools/copysim/sweep.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/os.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

namespace copysim::tools {

namespace {

struct Axis {
  std::string path;
  std::vector<std::string> values;
};

std::vector<Axis> parse_grid(const std::vector<std::string>& grid) {
  std::vector<Axis> axes;
  for (const auto& g : grid) {
    const auto eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size()) {
      throw std::invalid_argument("--grid \"" + g + "\": expected PATH=v1,v2,...");
    }
    Axis a{g.substr(0, eq), {}};
    std::string rest = g.substr(eq + 1);
    for (std::size_t at = 0; at <= rest.size();) {
      const std::size_t comma = std::min(rest.find(',', at), rest.size());
      a.values.push_back(rest.substr(at, comma - at));
      at = comma + 1;
    }
    axes.push_back(a);
  }
  return axes;
}

// Point i of the grid, as --set arguments.
std::vector<std::string> point(const std::vector<Axis>& axes, std::size_t i) {
  std::vector<std::string> sets;
  for (auto a = axes.rbegin(); a != axes.rend(); ++a) {
    sets.insert(sets.begin(), a->path + "=" + a->values[i % a->values.size()]);
    i /= a->values.size();
  }
  return sets;
}

std::size_t points(const std::vector<Axis>& axes) {
  std::size_t n = 1;
  for (const auto& a : axes) n *= a.values.size();
  return n;
}

int gather(const SweepOptions& o, const std::vector<Axis>& axes) {
  auto csv = fmt::output_file(o.out + "/sweep.csv");
  csv.print("run");
  for (const auto& a : axes) csv.print(",{}", a.path);
  csv.print(",workload,iops,mb_per_s,read_p50_us,read_p99_us,write_p50_us,write_p99_us,errors\n");
  int missing = 0;
  for (std::size_t i = 0; i < points(axes); ++i) {
    const std::string dir = fmt::format("{}/run{}", o.out, i);
    std::ifstream in(dir + "/stats.json");
    const auto stats = nlohmann::json::parse(in, nullptr, false);
    if (!in.is_open() || stats.is_discarded() || !stats.contains("workloads")) {
      ++missing;
      continue;
    }
    const auto sets = point(axes, i);
    for (const auto& [name, w] : stats["workloads"].items()) {
      csv.print("{}", i);
      for (const auto& s : sets) csv.print(",{}", s.substr(s.find('=') + 1));
      csv.print(",{},{:.3f},{:.3f},{},{},{},{},{}\n", name, w["iops"].get<double>(),
                w["mb_per_s"].get<double>(), w["read_response"].value("p50_us", 0.0),
                w["read_response"].value("p99_us", 0.0), w["write_response"].value("p50_us", 0.0),
                w["write_response"].value("p99_us", 0.0), w["errors"].get<uint64_t>());
    }
  }
  fmt::print("copysim sweep: {} points, table in {}/sweep.csv{}\n", points(axes), o.out,
             missing ? fmt::format(" ({} runs missing)", missing) : "");
  return missing ? 1 : 0;
}

}  // namespace

int sweep(const SweepOptions& o) {
  const std::vector<Axis> axes = parse_grid(o.grid);
  std::filesystem::create_directories(o.out);
  const std::size_t n = points(axes);
  if (!o.slurm_script.empty()) {
    // Every argument single-quoted for bash; the binary is $COPYSIM or
    // copysim from PATH on the cluster's nodes.
    auto quote = [](const std::string& a) {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      return q + "'";
    };
    auto sh = fmt::output_file(o.slurm_script);
    sh.print(
        "#!/bin/bash\n# {} points of {}; afterwards: copysim sweep {} --gather --out {} "
        "(with the same --grid)\n#SBATCH --job-name=copysim-sweep\n#SBATCH --array=0-{}\n"
        "#SBATCH --cpus-per-task=1\nset -euo pipefail\ncase \"$SLURM_ARRAY_TASK_ID\" in\n",
        n, o.scenario, o.scenario, o.out, n - 1);
    for (std::size_t i = 0; i < n; ++i) {
      std::string sets;
      for (const auto& s : point(axes, i)) sets += " --set " + quote(s);
      sh.print("  {}) SETS=({}) ;;\n", i, sets);
    }
    sh.print(
        "esac\n\"${{COPYSIM:-copysim}}\" run {} \"${{SETS[@]}}\" --out "
        "{}/run\"$SLURM_ARRAY_TASK_ID\" "
        "--quiet\n",
        quote(o.scenario), quote(o.out));
    sh.close();
    fmt::print("copysim sweep: wrote {} for {} array tasks\n", o.slurm_script, n);
    return 0;
  }
  if (o.gather_only) return gather(o, axes);
  std::map<pid_t, std::size_t> running;
  int failures = 0;
  auto reap = [&] {
    int status = 0;
    const pid_t pid = ::wait(&status);
    if (pid > 0) {
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ++failures;
        fmt::print(stderr, "copysim sweep: point {} failed\n", running[pid]);
      }
      running.erase(pid);
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    while (running.size() >= std::max(1u, o.jobs)) reap();
    std::vector<std::string> args = {o.self,    "run",   o.scenario,
                                     "--quiet", "--out", fmt::format("{}/run{}", o.out, i)};
    for (const auto& s : point(axes, i)) {
      args.push_back("--set");
      args.push_back(s);
    }
    std::filesystem::remove_all(fmt::format("{}/run{}", o.out, i));  // no stale results
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      const int null = ::open("/dev/null", 1);
      ::dup2(null, 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(o.self.c_str(), argv.data());
      ::_exit(127);
    }
    running[pid] = i;
  }
  while (!running.empty()) reap();
  const int g = gather(o, axes);
  return failures ? 1 : g;
}

}  // namespace copysim::tools
