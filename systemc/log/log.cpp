#include "systemc/log/log.h"

#include "systemc/common/sim_time.h"

#include <array>

namespace copysim::sc {
namespace {

LogLevel g_level = LogLevel::warning;
std::FILE* g_stream = nullptr;

constexpr std::array<std::string_view, 6> kNames = {"trace",   "debug", "info",
                                                    "warning", "error", "off"};

}  // namespace

std::string_view to_string(LogLevel level) { return kNames[static_cast<std::size_t>(level)]; }

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }
void set_log_stream(std::FILE* stream) { g_stream = stream; }

std::string format_sim_time(const sc_core::sc_time& t) {
  const uint64_t ps = to_ps(t);
  return fmt::format("{}.{:03} ns", ps / 1000, ps % 1000);
}

void write_log_line(LogLevel level, std::string_view who, std::string_view message) {
  fmt::print(g_stream ? g_stream : stderr, "[{:>16}] {:<7} {}: {}\n",
             format_sim_time(sc_core::sc_time_stamp()), to_string(level), who, message);
}

}  // namespace copysim::sc
