// libFuzzer target: the three trace readers on any text; the first byte
// picks the format. A ScenarioError is the expected answer to bad input.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "tools/copysim/scenario/yaml_reader.h"
#include "tools/copysim/workload/traces.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const formats[] = {"msr", "disksim", "spc"};
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    (void)copysim::workload::read_trace(formats[data[0] % 3], in, "fuzz.trace", 10000);
  } catch (const copysim::scenario::ScenarioError&) {
  }
  return 0;
}
