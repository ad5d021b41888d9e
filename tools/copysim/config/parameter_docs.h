// The unit of every key of an array description and of a topology, and the
// source of its default: a datasheet, a standard, or an assumption with its
// reasoning (shared/DESIGN.md, "Fidelity"). One table, read by `copysim
// config` and by docs/CONFIGURATION.md, which that command generates.
// copysim_config_test fails when a key the descriptions write is missing
// here, or a key here is one they do not write.
#pragma once

#include <span>
#include <string_view>

namespace copysim::config {

struct ParameterDoc {
  // A key path: a JSON pointer into an array description ("/drive/queue_depth",
  // also the keys under /arrays/N/config of a topology) or into a topology
  // ("/link/speed", "/arrays/*/firmware/master_tcbs"); "*" is any list index.
  std::string_view key;
  std::string_view unit;  // "-" for names, choices and flags
  // Starts with "datasheet: ", "standard: ", "assumed: " or, for a key with
  // no default (a file must give it), "no default: ".
  std::string_view source;
};

// In the order of the docs: the array description, then the topology.
std::span<const ParameterDoc> parameter_docs();

// The entry of a key path, or nullptr.
const ParameterDoc* find_parameter_doc(std::string_view key);

}  // namespace copysim::config
