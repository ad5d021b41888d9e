// `copysim config`: the complete description of an array, a topology or a
// scenario's topology, every default filled in, each value with the key
// path it has in the file, its unit and where it comes from (the file, or
// the default's source in parameter_docs.h).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace copysim::config {

// A file that cannot be read or described; the message names the file.
class ConfigFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Row {
  std::string key;       // JSON pointer into the description ("/arrays/0/config/drive/rpm")
  std::string doc_key;   // its key in parameter_docs() ("/drive/rpm")
  nlohmann::json value;  // null: a key with no default that the description leaves out
  // Where a file set the value ("tools/arrays/midrange.json", "x.yaml:12:7");
  // empty: the value is the default.
  std::string set_in;
  nlohmann::json default_value;  // the default, when it has one; else null
};

struct Section {
  std::string title;
  std::vector<Row> rows;
};

struct Description {
  std::string file;  // empty: the defaults
  std::string kind;  // "defaults", "array description", "topology", "scenario"
  // The description with every default filled in: an array description or
  // a topology that reads back as the same configuration. For the defaults:
  // {"array", "firmware", "link"}.
  nlohmann::json document;
  std::vector<Section> sections;
};

// The default array, volume group, firmware, link and link adapter, and the
// topology's keys without defaults, as key patterns ("/volumes/*/model").
Description describe_defaults();

// An array description (JSON), a topology (JSON with "arrays" and nothing
// but "link" and "hosts" beside it) or a scenario (YAML, or JSON with other
// keys). Checks it as strictly as the readers that build it.
// Throws ConfigFileError.
Description describe_file(const std::string& file);

// The key of parameter_docs() for a pointer into an array description or a
// topology: list indices become "*" and /arrays/N/config/ is dropped.
std::string doc_key_of(std::string_view pointer);

}  // namespace copysim::config
