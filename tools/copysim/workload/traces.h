// Readers of real block IO traces (docs/SCENARIOS.md, "Traces"):
// MSR Cambridge / SNIA CSV, the DiskSim ASCII format MQSim uses, and the
// UMass / SPC format. A malformed line is an error naming the file and
// line; a trace without a single record is an error too.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace copysim::workload {

struct TraceRecord {
  double time_s = 0;  // from the first record
  uint32_t device = 0;
  uint64_t offset_bytes = 0;
  uint32_t bytes = 0;
  bool write = false;
};

// `format`: "msr", "disksim" or "spc". Throws scenario::ScenarioError.
std::vector<TraceRecord> read_trace(const std::string& format, const std::string& file,
                                    uint64_t max_records = 0);
// The same from a stream, named `file` in errors.
std::vector<TraceRecord> read_trace(const std::string& format, std::istream& in,
                                    const std::string& file, uint64_t max_records = 0);

}  // namespace copysim::workload
