// Strict reading of JSON descriptions: every key is either read or an error,
// and every error names the JSON path and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace copysim::sc {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A view of one JSON object at `path` (a JSON pointer such as
// "/disk_adapters/ports"). Reading marks keys as used; finish() rejects the rest.
class JsonReader {
 public:
  JsonReader(const nlohmann::json& object, std::string path);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const { return object_.contains(key); }

  // Each reads `key` if present (keeping `value` otherwise) and checks its
  // type and range, throwing ConfigError naming path and expectation.
  void read(const std::string& key, double& value, double min, double max);
  void read(const std::string& key, uint64_t& value, uint64_t min, uint64_t max);
  void read(const std::string& key, uint32_t& value, uint32_t min, uint32_t max);
  void read(const std::string& key, std::string& value);
  void read(const std::string& key, bool& value);
  // A device number: an integer or a string "0x1234".
  void read_device(const std::string& key, uint16_t& value);

  JsonReader object(const std::string& key);
  const nlohmann::json* array(const std::string& key);
  std::string child_path(const std::string& key) const { return path_ + "/" + key; }

  // Throws if any key was not read.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& object_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace copysim::sc
