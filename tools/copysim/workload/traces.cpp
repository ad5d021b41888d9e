#include "tools/copysim/workload/traces.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "tools/copysim/scenario/yaml_reader.h"

namespace copysim::workload {

using scenario::ScenarioError;

namespace {

std::vector<std::string> split(const std::string& line, bool csv) {
  std::vector<std::string> out;
  if (csv) {
    std::stringstream s(line);
    std::string f;
    while (std::getline(s, f, ',')) out.push_back(f);
    if (!line.empty() && line.back() == ',') out.emplace_back();
  } else {
    std::stringstream s(line);
    std::string f;
    while (s >> f) out.push_back(f);
  }
  for (auto& f : out) {
    while (!f.empty() && std::isspace(static_cast<unsigned char>(f.back()))) f.pop_back();
    while (!f.empty() && std::isspace(static_cast<unsigned char>(f.front()))) f.erase(0, 1);
  }
  return out;
}

struct Line {
  const std::string& file;
  uint64_t number;
  [[noreturn]] void fail(const std::string& what) const {
    throw ScenarioError(fmt::format("{}:{}: {}", file, number, what));
  }
  uint64_t integer(const std::string& s, const char* field) const {
    uint64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
      fail(fmt::format("{} \"{}\" is not a whole number", field, s));
    }
    return v;
  }
  double real(const std::string& s, const char* field) const {
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      if (used == s.size() && v >= 0 && v <= 1e18) return v;
    } catch (const std::exception&) {
    }
    fail(fmt::format("{} \"{}\" is not a number from 0 to 1e18", field, s));
  }
};

}  // namespace

std::vector<TraceRecord> read_trace(const std::string& format, const std::string& file,
                                    uint64_t max_records) {
  std::ifstream in(file);
  if (!in) throw ScenarioError(fmt::format("{}: cannot read the trace", file));
  return read_trace(format, in, file, max_records);
}

std::vector<TraceRecord> read_trace(const std::string& format, std::istream& in,
                                    const std::string& file, uint64_t max_records) {
  std::vector<TraceRecord> records;
  std::string text;
  uint64_t number = 0;
  double first = -1;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    const Line line{file, number};
    TraceRecord r;
    double t = 0;
    if (format == "msr") {
      // Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime
      const auto f = split(text, true);
      if (number == 1 && !f.empty() && f[0] == "Timestamp") continue;  // a header
      if (f.size() != 7)
        line.fail(
            fmt::format("expected 7 comma-separated fields (Timestamp,"
                        "Hostname,DiskNumber,Type,Offset,Size,"
                        "ResponseTime), found {}",
                        f.size()));
      t = double(line.integer(f[0], "Timestamp")) * 1e-7;  // 100 ns units
      r.device = static_cast<uint32_t>(line.integer(f[2], "DiskNumber"));
      std::string type = f[3];
      std::transform(type.begin(), type.end(), type.begin(), ::tolower);
      if (type != "read" && type != "write")
        line.fail("Type \"" + f[3] + "\" is not Read or Write");
      r.write = type == "write";
      r.offset_bytes = line.integer(f[4], "Offset");
      r.bytes = static_cast<uint32_t>(line.integer(f[5], "Size"));
    } else if (format == "disksim") {
      // arrival time (ns), device, LBA (sectors), size (sectors), type (1 read, 0 write)
      const auto f = split(text, false);
      if (f.size() != 5)
        line.fail(
            fmt::format("expected 5 fields (time, device, LBA, sectors, "
                        "type), found {}",
                        f.size()));
      t = line.real(f[0], "arrival time") * 1e-9;
      r.device = static_cast<uint32_t>(line.integer(f[1], "device"));
      r.offset_bytes = line.integer(f[2], "LBA") * 512;
      r.bytes = static_cast<uint32_t>(line.integer(f[3], "size") * 512);
      const uint64_t type = line.integer(f[4], "type");
      if (type > 1) line.fail(fmt::format("type {} is not 1 (read) or 0 (write)", type));
      r.write = type == 0;
    } else if (format == "spc") {
      // ASU,LBA,Size,Opcode,Timestamp[,...]
      const auto f = split(text, true);
      if (f.size() < 5)
        line.fail(
            fmt::format("expected ASU,LBA,Size,Opcode,Timestamp, found {} "
                        "fields",
                        f.size()));
      r.device = static_cast<uint32_t>(line.integer(f[0], "ASU"));
      r.offset_bytes = line.integer(f[1], "LBA") * 512;
      r.bytes = static_cast<uint32_t>(line.integer(f[2], "Size"));
      if (f[3] != "r" && f[3] != "R" && f[3] != "w" && f[3] != "W") {
        line.fail("Opcode \"" + f[3] + "\" is not r or w");
      }
      r.write = f[3] == "w" || f[3] == "W";
      t = line.real(f[4], "Timestamp");
    } else {
      throw ScenarioError(fmt::format("{}: unknown trace format \"{}\"", file, format));
    }
    if (r.bytes == 0) line.fail("an IO of 0 bytes");
    if (first < 0) first = t;
    if (t < first) line.fail("time goes backwards");
    r.time_s = t - first;
    records.push_back(r);
    if (max_records != 0 && records.size() >= max_records) break;
  }
  if (records.empty()) throw ScenarioError(fmt::format("{}: the trace has no records", file));
  return records;
}

}  // namespace copysim::workload
