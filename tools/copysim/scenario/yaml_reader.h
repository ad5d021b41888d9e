// Strict reading of scenario files (YAML; JSON is read the same way): every
// key is either read or an error, and every error names the file, the line
// and column, the field, and what was expected.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace copysim::scenario {

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The offset of the first byte that is not well-formed UTF-8, if any.
std::optional<std::size_t> invalid_utf8(const std::string& text);

// "FILE:LINE:COLUMN" of a node (lines and columns counted from 1).
std::string where(const std::string& file, const YAML::Node& node);

class YamlMap {
 public:
  // `node` must be a map; `path` names it in errors ("/workloads/0").
  YamlMap(const YAML::Node& node, std::string file, std::string path);

  bool has(const std::string& key) const { return node_[key].IsDefined(); }
  const YAML::Node node(const std::string& key) const { return node_[key]; }
  std::string child(const std::string& key) const { return path_ + "/" + key; }

  // Each reads `key` if present (keeping `value` otherwise), checking type
  // and range.
  void read(const std::string& key, std::string& value);
  void read(const std::string& key, double& value, double min, double max);
  void read(const std::string& key, uint64_t& value, uint64_t min, uint64_t max);
  void read(const std::string& key, uint32_t& value, uint32_t min, uint32_t max);
  void read(const std::string& key, bool& value);
  // A device number: an integer or "0x1234".
  void read_device(const std::string& key, uint16_t& value);
  // One of `choices`.
  void read_choice(const std::string& key, std::string& value,
                   const std::set<std::string>& choices);
  // Marks `key` as read without reading it (the caller reads the node).
  const YAML::Node take(const std::string& key);
  void require(const std::string& key) const;
  // Throws for every key not read.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

// A device number from a scalar node; throws naming `where_`.
uint16_t device_of(const YAML::Node& node, const std::string& where_, const std::string& field);

// The node as JSON, and the file position of every JSON pointer in it, so
// that errors found later in the JSON (an array description) name the line.
nlohmann::json to_json(const YAML::Node& node, const std::string& file, const std::string& pointer,
                       std::map<std::string, std::string>& positions);

}  // namespace copysim::scenario
