// libFuzzer target: the scenario reader on any text. A ScenarioError is the
// expected answer to bad input; any other exception, or a crash, is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/copysim/scenario/scenario.h"
#include "tools/copysim/scenario/yaml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto s = copysim::scenario::parse(text, "fuzz.yaml");
    // Strings from YAML escapes need not be UTF-8: written with replacements.
    (void)s.as_run().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const copysim::scenario::ScenarioError&) {
  }
  return 0;
}
