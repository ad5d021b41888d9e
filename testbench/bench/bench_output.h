// Where a benchmark or experiment puts what it found: `OUTDIR/NAME.csv` for
// plots and spreadsheets, and `OUTDIR/NAME.md`, the Markdown that
// tools/bench/regenerate.sh places into docs/PERFORMANCE.md. The Markdown
// is printed as it is written, so a run from the shell shows the tables.
#pragma once

#include <fmt/format.h>
#include <fmt/os.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace copysim::bench {

class BenchOutput {
 public:
  // argv[1], if given, is OUTDIR (default: the working folder).
  BenchOutput(int argc, char* argv[], const std::string& name)
      : dir_(argc > 1 ? argv[1] : "."),
        csv_(fmt::output_file(dir_ + "/" + name + ".csv")),
        md_(fmt::output_file(dir_ + "/" + name + ".md")) {}

  template <typename... T>
  void csv(fmt::format_string<T...> f, T&&... args) {
    csv_.print(f, std::forward<T>(args)...);
  }
  template <typename... T>
  void md(fmt::format_string<T...> f, T&&... args) {
    const std::string s = fmt::format(f, std::forward<T>(args)...);
    md_.print("{}", s);
    std::fputs(s.c_str(), stdout);
    std::fflush(stdout);
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  fmt::ostream csv_;
  fmt::ostream md_;
};

using WallClock = std::chrono::steady_clock;

inline double seconds_since(WallClock::time_point t0) {
  return std::chrono::duration<double>(WallClock::now() - t0).count();
}

// The process's peak resident memory (VmHWM), MiB.
inline double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

// The process's resident memory now (VmRSS), MiB.
inline double rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

}  // namespace copysim::bench
