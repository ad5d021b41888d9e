#include "systemc/config/json_reader.h"

#include <fmt/format.h>

#include <cmath>

namespace copysim::sc {

JsonReader::JsonReader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) {
    throw ConfigError(fmt::format("{}: expected an object, found {}", path_.empty() ? "/" : path_,
                                  object_.type_name()));
  }
}

void JsonReader::fail(const std::string& key, const std::string& message) const {
  throw ConfigError(fmt::format("{}: {}", child_path(key), message));
}

void JsonReader::read(const std::string& key, double& value, double min, double max) {
  if (!has(key)) return;
  used_.insert(key);
  const auto& v = object_.at(key);
  if (!v.is_number()) fail(key, fmt::format("expected a number, found {}", v.type_name()));
  const double d = v.get<double>();
  if (!(d >= min && d <= max)) fail(key, fmt::format("{} is outside [{}, {}]", d, min, max));
  value = d;
}

void JsonReader::read(const std::string& key, uint64_t& value, uint64_t min, uint64_t max) {
  if (!has(key)) return;
  used_.insert(key);
  const auto& v = object_.at(key);
  if (!v.is_number_integer() ||
      (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)) {
    fail(key, fmt::format("expected a non-negative integer, found {}", v.dump()));
  }
  const auto u = v.get<uint64_t>();
  if (u < min || u > max) fail(key, fmt::format("{} is outside [{}, {}]", u, min, max));
  value = u;
}

void JsonReader::read(const std::string& key, uint32_t& value, uint32_t min, uint32_t max) {
  uint64_t v = value;
  read(key, v, min, max);
  value = static_cast<uint32_t>(v);
}

void JsonReader::read(const std::string& key, std::string& value) {
  if (!has(key)) return;
  used_.insert(key);
  const auto& v = object_.at(key);
  if (!v.is_string()) fail(key, fmt::format("expected a string, found {}", v.type_name()));
  value = v.get<std::string>();
}

void JsonReader::read(const std::string& key, bool& value) {
  if (!has(key)) return;
  used_.insert(key);
  const auto& v = object_.at(key);
  if (!v.is_boolean()) fail(key, fmt::format("expected true or false, found {}", v.dump()));
  value = v.get<bool>();
}

// "0x" and one to four hex digits, or decimal digits: nothing else (no
// sign, no spaces, no octal), since device numbers are written in hex.
void JsonReader::read_device(const std::string& key, uint16_t& value) {
  if (!has(key)) return;
  const auto& v = object_.at(key);
  if (!v.is_string()) {
    uint64_t n = value;
    read(key, n, 0, 0xffff);
    value = static_cast<uint16_t>(n);
    return;
  }
  used_.insert(key);
  const std::string s = v.get<std::string>();
  const bool hex = s.size() > 2 && s.size() <= 6 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
                   s.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos;
  const bool dec =
      !s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos;
  const unsigned long n = hex   ? std::stoul(s.substr(2), nullptr, 16)
                          : dec ? std::stoul(s)
                                : 0x10000;
  if (n > 0xffff) {
    fail(key, fmt::format("\"{}\" is not a device number (0x0000 to 0xffff, or decimal)", s));
  }
  value = static_cast<uint16_t>(n);
}

JsonReader JsonReader::object(const std::string& key) {
  used_.insert(key);
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return JsonReader(has(key) ? object_.at(key) : kEmpty, child_path(key));
}

const nlohmann::json* JsonReader::array(const std::string& key) {
  if (!has(key)) return nullptr;
  used_.insert(key);
  const auto& v = object_.at(key);
  if (!v.is_array()) fail(key, fmt::format("expected an array, found {}", v.type_name()));
  return &v;
}

void JsonReader::finish() const {
  for (const auto& [key, v] : object_.items()) {
    if (!used_.count(key)) fail(key, "unknown key");
  }
}

}  // namespace copysim::sc
