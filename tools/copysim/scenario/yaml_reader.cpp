#include "tools/copysim/scenario/yaml_reader.h"

#include <fmt/format.h>

namespace copysim::scenario {

namespace {

std::string kind(const YAML::Node& n) {
  if (!n.IsDefined()) return "nothing";
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return n.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "\"" + n.Scalar() + "\"";
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "something else";
}

}  // namespace

std::optional<std::size_t> invalid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t len = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    uint32_t cp = c & (0xff >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::nullopt;
}

std::string where(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return file;
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return file;
  return fmt::format("{}:{}:{}", file, m.line + 1, m.column + 1);
}

YamlMap::YamlMap(const YAML::Node& node, std::string file, std::string path)
    : node_(node), file_(std::move(file)), path_(std::move(path)) {
  if (!node.IsMap()) {
    throw ScenarioError(fmt::format("{}: {}: expected a map of settings, found {}",
                                    where(file_, node), path_.empty() ? "/" : path_, kind(node)));
  }
}

void YamlMap::fail(const std::string& key, const std::string& expected) const {
  const YAML::Node n = node_[key];
  throw ScenarioError(fmt::format("{}: {}: expected {}, found {}",
                                  where(file_, n.IsDefined() ? n : node_), child(key), expected,
                                  kind(n)));
}

const YAML::Node YamlMap::take(const std::string& key) {
  used_.insert(key);
  return node_[key];
}

void YamlMap::require(const std::string& key) const {
  if (!has(key)) {
    throw ScenarioError(fmt::format("{}: {}: missing (required)", where(file_, node_), child(key)));
  }
}

void YamlMap::read(const std::string& key, std::string& value) {
  used_.insert(key);
  const YAML::Node n = node_[key];
  if (!n.IsDefined()) return;
  if (!n.IsScalar()) fail(key, "a string");
  value = n.Scalar();
}

void YamlMap::read(const std::string& key, double& value, double min, double max) {
  used_.insert(key);
  const YAML::Node n = node_[key];
  if (!n.IsDefined()) return;
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !(v >= min && v <= max)) {
    fail(key, fmt::format("a number from {} to {}", min, max));
  }
  value = v;
}

void YamlMap::read(const std::string& key, uint64_t& value, uint64_t min, uint64_t max) {
  used_.insert(key);
  const YAML::Node n = node_[key];
  if (!n.IsDefined()) return;
  uint64_t v = 0;
  if (!n.IsScalar() || n.Scalar().find_first_of(".eE-") != std::string::npos ||
      !YAML::convert<uint64_t>::decode(n, v) || v < min || v > max) {
    fail(key, fmt::format("a whole number from {} to {}", min, max));
  }
  value = v;
}

void YamlMap::read(const std::string& key, uint32_t& value, uint32_t min, uint32_t max) {
  uint64_t v = value;
  read(key, v, min, max);
  value = static_cast<uint32_t>(v);
}

void YamlMap::read(const std::string& key, bool& value) {
  used_.insert(key);
  const YAML::Node n = node_[key];
  if (!n.IsDefined()) return;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(key, "true or false");
  value = v;
}

uint16_t device_of(const YAML::Node& n, const std::string& where_, const std::string& field) {
  uint64_t v = 0;
  bool ok = n.IsScalar();
  if (ok) {
    const std::string& s = n.Scalar();
    try {
      std::size_t used = 0;
      v = std::stoull(s, &used, 0);
      ok = used == s.size() && v <= 0xffff;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) {
    throw ScenarioError(
        fmt::format("{}: {}: expected a device number 0..0xffff such as 0x1000, "
                    "found {}",
                    where_, field, kind(n)));
  }
  return static_cast<uint16_t>(v);
}

void YamlMap::read_device(const std::string& key, uint16_t& value) {
  used_.insert(key);
  const YAML::Node n = node_[key];
  if (!n.IsDefined()) return;
  value = device_of(n, where(file_, n), child(key));
}

void YamlMap::read_choice(const std::string& key, std::string& value,
                          const std::set<std::string>& choices) {
  std::string v = value;
  read(key, v);
  if (choices.count(v) == 0) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    fail(key, "one of " + list);
  }
  value = v;
}

void YamlMap::finish() const {
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    if (used_.count(key) == 0) {
      throw ScenarioError(
          fmt::format("{}: {}: unknown setting", where(file_, kv.first), child(key)));
    }
  }
}

nlohmann::json to_json(const YAML::Node& node, const std::string& file, const std::string& pointer,
                       std::map<std::string, std::string>& positions) {
  positions[pointer] = where(file, node);
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        j[key] = to_json(kv.second, file, pointer + "/" + key, positions);
      }
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (std::size_t i = 0; i < node.size(); ++i) {
        j.push_back(to_json(node[i], file, pointer + "/" + std::to_string(i), positions));
      }
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "!") return s;  // quoted: a string
      bool b = false;
      if (s == "true" || s == "false") {
        YAML::convert<bool>::decode(node, b);
        return b;
      }
      int64_t i = 0;
      if (s.find_first_of(".eE") == std::string::npos && s.rfind("0x", 0) != 0 &&
          YAML::convert<int64_t>::decode(node, i)) {
        return i;
      }
      double d = 0;
      if (YAML::convert<double>::decode(node, d) && s.rfind("0x", 0) != 0) return d;
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace copysim::scenario
