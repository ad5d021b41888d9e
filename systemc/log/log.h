// One log format for every module: simulated time, level, hierarchical name.
//   [      1234.000 ns] info  top.dka0.drr: transfer of 111 blocks ...
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <systemc>

namespace copysim::sc {

enum class LogLevel { trace, debug, info, warning, error, off };

std::string_view to_string(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view name);

// Messages below the threshold are dropped before they are formatted.
void set_log_level(LogLevel level);
LogLevel log_level();
// Where log lines go; stderr unless set.
void set_log_stream(std::FILE* stream);

void write_log_line(LogLevel level, std::string_view who, std::string_view message);

template <class... Args>
void log(LogLevel level, const sc_core::sc_object& who, fmt::format_string<Args...> format,
         Args&&... args) {
  if (level < log_level()) return;
  write_log_line(level, who.name(), fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void log_debug(const sc_core::sc_object& who, fmt::format_string<Args...> f, Args&&... args) {
  log(LogLevel::debug, who, f, std::forward<Args>(args)...);
}
template <class... Args>
void log_info(const sc_core::sc_object& who, fmt::format_string<Args...> f, Args&&... args) {
  log(LogLevel::info, who, f, std::forward<Args>(args)...);
}
template <class... Args>
void log_warning(const sc_core::sc_object& who, fmt::format_string<Args...> f, Args&&... args) {
  log(LogLevel::warning, who, f, std::forward<Args>(args)...);
}
template <class... Args>
void log_error(const sc_core::sc_object& who, fmt::format_string<Args...> f, Args&&... args) {
  log(LogLevel::error, who, f, std::forward<Args>(args)...);
}

// "1234.000 ns": simulated time with picosecond resolution.
std::string format_sim_time(const sc_core::sc_time& t);

}  // namespace copysim::sc
