#include "tools/copysim/config/describe.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <utility>

#include "driver/engine/topology_config.h"
#include "systemc/array/array_config.h"
#include "systemc/config/json_reader.h"
#include "tools/copysim/config/parameter_docs.h"
#include "tools/copysim/scenario/scenario.h"
#include "tools/copysim/scenario/yaml_reader.h"

namespace copysim::config {
namespace {

using nlohmann::json;
using sc::ConfigError;
using sc::JsonReader;

std::vector<std::string> split(std::string_view pointer) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < pointer.size()) {
    if (pointer[at] == '/') ++at;
    const std::size_t end = std::min(pointer.find('/', at), pointer.size());
    out.emplace_back(pointer.substr(at, end - at));
    at = end;
  }
  return out;
}

bool is_index(std::string_view s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
}

bool is_topology_key(std::string_view key) {
  return key.starts_with("/arrays/") || key.starts_with("/link/") || key.starts_with("/hosts/");
}

// The rank of each key under its parent pattern, in the order of
// parameter_docs() (array keys also under /arrays/*/config, after the
// array's name), so that descriptions print in the order of the docs.
using Ranks = std::map<std::string, std::map<std::string, int>>;

const Ranks& ranks() {
  static const Ranks r = [] {
    std::vector<std::string> array_keys, patterns;
    for (const ParameterDoc& d : parameter_docs()) {
      if (!is_topology_key(d.key)) array_keys.emplace_back(d.key);
    }
    for (const ParameterDoc& d : parameter_docs()) {
      patterns.emplace_back(d.key);
      if (d.key == "/arrays/*/name") {
        for (const auto& k : array_keys) patterns.push_back("/arrays/*/config" + k);
      }
    }
    Ranks ranks;
    int next = 0;
    for (const auto& p : patterns) {
      std::string parent;
      for (const auto& s : split(p)) {
        if (s != "*") ranks[parent].emplace(s, next++);
        parent += "/" + s;
      }
    }
    return ranks;
  }();
  return r;
}

// Indices by value, keys by rank (undocumented ones last, by name).
using SortKey = std::vector<std::pair<long long, std::string>>;

SortKey sort_key(const std::string& pointer) {
  SortKey key;
  std::string parent;
  for (const auto& s : split(pointer)) {
    if (s == "*" || is_index(s)) {
      key.emplace_back(s == "*" ? 0 : std::stoll(s), "");
      parent += "/*";
      continue;
    }
    long long rank = LLONG_MAX;
    if (const auto p = ranks().find(parent); p != ranks().end()) {
      if (const auto k = p->second.find(s); k != p->second.end()) rank = k->second;
    }
    key.emplace_back(rank, s);
    parent += "/" + s;
  }
  return key;
}

// Every value of a document with its pointer. Lists of objects are
// followed; other lists (device numbers, an empty list) are values.
void flatten(const json& j, const std::string& pointer,
             std::vector<std::pair<std::string, json>>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) flatten(v, pointer + "/" + k, out);
    return;
  }
  if (j.is_array() && !j.empty() &&
      std::all_of(j.begin(), j.end(), [](const json& e) { return e.is_object(); })) {
    for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], fmt::format("{}/{}", pointer, i), out);
    return;
  }
  out.emplace_back(pointer.empty() ? "/" : pointer, j);
}

bool has(const json& document, const std::string& pointer) {
  return document.contains(json::json_pointer(pointer));
}

using Origin = std::function<std::string(const std::string& pointer)>;

// The rows of `document`, in the order of the docs; `defaults` has the
// same shape with default values (or is null), `origin` names where a file
// set a value.
std::vector<Row> rows_of(const json& document, const json& defaults, const Origin& origin) {
  std::vector<std::pair<std::string, json>> leaves;
  flatten(document, "", leaves);
  std::vector<std::pair<SortKey, Row>> keyed;
  for (auto& [pointer, value] : leaves) {
    Row r;
    r.key = pointer;
    r.doc_key = doc_key_of(pointer);
    r.value = std::move(value);
    if (origin) r.set_in = origin(pointer);
    if (has(defaults, pointer)) r.default_value = defaults.at(json::json_pointer(pointer));
    keyed.emplace_back(sort_key(pointer), std::move(r));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Row> rows;
  for (auto& [k, r] : keyed) rows.push_back(std::move(r));
  return rows;
}

// Consecutive rows with the same title make a section.
std::vector<Section> sections_of(std::vector<Row> rows,
                                 const std::function<std::string(const Row&)>& title) {
  std::vector<Section> sections;
  for (auto& r : rows) {
    std::string t = title(r);
    if (sections.empty() || sections.back().title != t) sections.push_back({std::move(t), {}});
    sections.back().rows.push_back(std::move(r));
  }
  return sections;
}

json link_json(const json& primary, const json& secondary, uint32_t links, uint32_t return_links,
               const sc::FcLinkConfig& link, const sc::LinkAdapterConfig& adapter) {
  json j = json::object();
  if (!primary.is_null() || !secondary.is_null()) {
    j["primary"] = primary;
    j["secondary"] = secondary;
  }
  j["links"] = links;
  j["return_links"] = return_links;
  j.update(engine::to_json(link));
  j["adapter"] = engine::to_json(adapter);
  return j;
}

bool has_volume(const sc::ArrayConfig& c, uint16_t device) {
  return std::any_of(c.volumes.begin(), c.volumes.end(), [&](const sc::VolumeGroupConfig& g) {
    return device >= g.first_device && uint32_t{device} < uint32_t{g.first_device} + g.count;
  });
}

// A topology with every default filled in, read as strictly as
// engine::Topology reads it (without building it, so firmware the control
// store cannot hold is found only when the topology is built).
struct FilledTopology {
  json document = json::object();
  json defaults = json::object();
  std::vector<std::string> config_files;  // per array: the file its description is in, or ""
  std::vector<json> config_inputs;        // per array: its description as written
};

FilledTopology fill_topology(const json& t) {
  if (!t.is_object()) throw ConfigError("/: a topology is a JSON object");
  FilledTopology f;
  JsonReader top(t, "");
  const json* arrays = top.array("arrays");
  if (arrays == nullptr || arrays->empty()) {
    throw ConfigError("/arrays: expected a list of at least one array");
  }
  std::vector<std::string> names;
  std::vector<sc::ArrayConfig> configs;
  f.document["arrays"] = json::array();
  f.defaults["arrays"] = json::array();
  for (std::size_t i = 0; i < arrays->size(); ++i) {
    const std::string path = fmt::format("/arrays/{}", i);
    const json& a = (*arrays)[i];
    if (!a.is_object()) throw ConfigError(path + ": expected an object");
    JsonReader r(a, path);
    std::string name;
    r.read("name", name);
    if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) {
      throw ConfigError(path + "/name: expected a name no other array has");
    }
    if (!a.contains("config")) throw ConfigError(path + "/config: missing");
    json config;
    std::string file;
    if (a["config"].is_string()) {
      r.read("config", file);
      std::ifstream in(file);
      if (!in) throw ConfigError(path + "/config: cannot read " + file);
      try {
        config = json::parse(in);
      } catch (const json::parse_error& e) {
        throw ConfigError(path + "/config: " + file + ": " + e.what());
      }
    } else {
      r.object("config");  // an object, checked by the array's own reader
      config = a["config"];
    }
    fw::ControllerConfig firmware;
    {
      JsonReader fr = r.object("firmware");
      engine::read_config(fr, firmware);
      fr.finish();
    }
    r.finish();
    sc::ArrayConfig array;
    try {
      array = sc::ArrayConfig::from_json(config);
    } catch (const ConfigError& e) {
      const std::string m = e.what();
      if (!file.empty()) throw ConfigError(path + "/config: " + file + ": " + m);
      throw ConfigError(path + "/config" + (m.empty() || m[0] == '/' ? "" : ": ") + m);
    }
    f.document["arrays"].push_back(
        {{"name", name}, {"config", array.to_json()}, {"firmware", engine::to_json(firmware)}});
    f.defaults["arrays"].push_back({{"name", name},
                                    {"config", sc::ArrayConfig{}.to_json()},
                                    {"firmware", engine::to_json(fw::ControllerConfig{})}});
    f.config_files.push_back(file);
    f.config_inputs.push_back(config);
    names.push_back(name);
    configs.push_back(array);
  }
  if (t.contains("link")) {
    JsonReader r = top.object("link");
    std::string primary, secondary;
    uint32_t links = 1, return_links = 1;
    sc::FcLinkConfig link;
    sc::LinkAdapterConfig adapter;
    r.read("primary", primary);
    r.read("secondary", secondary);
    r.read("links", links, 1, 8);
    r.read("return_links", return_links, 0, 8);
    engine::read_config(r, link);
    {
      JsonReader a = r.object("adapter");
      engine::read_config(a, adapter);
      a.finish();
    }
    r.finish();
    const auto named = [&](const std::string& n) {
      return std::find(names.begin(), names.end(), n) != names.end();
    };
    if (!named(primary) || !named(secondary) || primary == secondary) {
      throw ConfigError("/link: primary and secondary must name two different arrays");
    }
    f.document["link"] = link_json(primary, secondary, links, return_links, link, adapter);
    f.defaults["link"] = link_json(primary, secondary, 1, 1, {}, {});
  }
  if (const json* hosts = top.array("hosts")) {
    std::vector<std::string> host_names;
    f.document["hosts"] = json::array();
    f.defaults["hosts"] = json::array();
    for (std::size_t i = 0; i < hosts->size(); ++i) {
      const std::string path = fmt::format("/hosts/{}", i);
      const json& h = (*hosts)[i];
      if (!h.is_object()) throw ConfigError(path + ": expected an object");
      JsonReader r(h, path);
      std::string name;
      r.read("name", name);
      if (name.empty() ||
          std::find(host_names.begin(), host_names.end(), name) != host_names.end()) {
        throw ConfigError(path + "/name: expected a name no other host has");
      }
      const json* ports = r.array("ports");
      if (ports == nullptr || ports->empty()) {
        throw ConfigError(path + "/ports: expected a list of at least one port");
      }
      json ports_json = json::array(), ports_defaults = json::array();
      for (std::size_t k = 0; k < ports->size(); ++k) {
        const std::string pp = fmt::format("{}/ports/{}", path, k);
        if (!(*ports)[k].is_object()) throw ConfigError(pp + ": expected an object");
        JsonReader pr((*ports)[k], pp);
        std::string array;
        pr.read("array", array);
        const auto at = std::find(names.begin(), names.end(), array);
        if (at == names.end()) throw ConfigError(pp + "/array: no array named \"" + array + "\"");
        const sc::ArrayConfig& c = configs[static_cast<std::size_t>(at - names.begin())];
        uint32_t port = 0;
        pr.read("port", port, 0, c.host_adapters.count * c.host_adapters.ports - 1);
        json volumes = json::array();
        if (const json* list = pr.array("volumes")) {
          for (std::size_t v = 0; v < list->size(); ++v) {
            uint16_t device = 0;
            const json wrapped = {{"device", (*list)[v]}};
            JsonReader vr(wrapped, fmt::format("{}/volumes/{}", pp, v));
            vr.read_device("device", device);
            if (!has_volume(c, device)) {
              throw ConfigError(
                  fmt::format("{}/volumes/{}: {} has no volume {:#06x}", pp, v, array, device));
            }
            volumes.push_back(fmt::format("{:#06x}", device));
          }
        }
        pr.finish();
        ports_json.push_back({{"array", array}, {"port", port}, {"volumes", volumes}});
        ports_defaults.push_back({{"array", array}, {"port", 0}, {"volumes", json::array()}});
      }
      r.finish();
      f.document["hosts"].push_back({{"name", name}, {"ports", ports_json}});
      f.defaults["hosts"].push_back({{"name", name}, {"ports", ports_defaults}});
      host_names.push_back(name);
    }
  }
  top.finish();
  return f;
}

std::string join(const std::vector<std::string>& segments, std::size_t from) {
  std::string s;
  for (std::size_t i = from; i < segments.size(); ++i) s += "/" + segments[i];
  return s;
}

// The rows of a filled topology. `where` names where the topology file set
// a pointer ("" when it did not); array descriptions read from their own
// files are looked up there.
Description topology_description(const std::string& file, const std::string& kind,
                                 const FilledTopology& f,
                                 const std::function<std::string(const std::string&)>& where) {
  const Origin origin = [&](const std::string& pointer) -> std::string {
    const auto s = split(pointer);
    if (s.size() > 3 && s[0] == "arrays" && s[2] == "config") {
      const std::size_t i = std::stoul(s[1]);
      if (!f.config_files[i].empty()) {
        return has(f.config_inputs[i], join(s, 3)) ? f.config_files[i] : "";
      }
    }
    return where(pointer);
  };
  const json& doc = f.document;
  const auto title = [&](const Row& r) -> std::string {
    const auto s = split(r.key);
    if (s[0] == "arrays") {
      const std::string name = doc["arrays"][std::stoul(s[1])]["name"];
      if (s.size() > 2 && s[2] == "firmware") {
        return fmt::format("/arrays/{}/firmware: the firmware of array \"{}\"", s[1], name);
      }
      return fmt::format("/arrays/{}: array \"{}\"", s[1], name);
    }
    if (s[0] == "link") {
      return fmt::format("/link: from \"{}\" to \"{}\"", doc["link"]["primary"].get<std::string>(),
                         doc["link"]["secondary"].get<std::string>());
    }
    return "/hosts: the hosts, their ports and the volumes mapped to them";
  };
  Description d;
  d.file = file;
  d.kind = kind;
  d.document = doc;
  d.sections = sections_of(rows_of(doc, f.defaults, origin), title);
  return d;
}

std::string read_text(const std::string& file) {
  if (std::filesystem::is_directory(file)) {
    throw ConfigFileError(fmt::format("{}: is a folder, not a file", file));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigFileError(fmt::format("{}: cannot read the file", file));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file position of a topology error in a scenario: the longest JSON
// pointer the message begins with.
std::string locate(const scenario::Scenario& s, const std::string& message) {
  std::string best;
  for (const auto& [pointer, where] : s.positions) {
    if (message.rfind(pointer, 0) == 0 && pointer.size() > best.size()) best = pointer;
  }
  return best.empty() ? s.file : s.positions.at(best);
}

Description describe_scenario(const std::string& file, const std::string& text) {
  scenario::Scenario s;
  try {
    s = scenario::parse(text, file);
  } catch (const scenario::ScenarioError& e) {
    throw ConfigFileError(e.what());
  }
  FilledTopology f;
  try {
    f = fill_topology(s.topology);
  } catch (const ConfigError& e) {
    throw ConfigFileError(fmt::format("{}: {}", locate(s, e.what()), e.what()));
  }
  return topology_description(file, "scenario", f, [&](const std::string& pointer) {
    if (!has(s.topology, pointer)) return std::string();
    const auto at = s.positions.find(pointer);
    return at == s.positions.end() ? file : at->second;
  });
}

Description describe_topology(const std::string& file, const json& input) {
  FilledTopology f;
  try {
    f = fill_topology(input);
  } catch (const ConfigError& e) {
    throw ConfigFileError(fmt::format("{}: {}", file, e.what()));
  }
  return topology_description(file, "topology", f, [&](const std::string& pointer) {
    return has(input, pointer) ? file : std::string();
  });
}

Description describe_array(const std::string& file, const json& input) {
  sc::ArrayConfig c;
  try {
    c = sc::ArrayConfig::from_json(input);
  } catch (const ConfigError& e) {
    throw ConfigFileError(fmt::format("{}: {}", file, e.what()));
  }
  Description d;
  d.file = file;
  d.kind = "array description";
  d.document = c.to_json();
  const Origin origin = [&](const std::string& pointer) {
    return has(input, pointer) ? file : std::string();
  };
  d.sections = {{"Array description", rows_of(d.document, sc::ArrayConfig{}.to_json(), origin)}};
  return d;
}

}  // namespace

std::string doc_key_of(std::string_view pointer) {
  std::vector<std::string> s = split(pointer);
  for (auto& segment : s) {
    if (is_index(segment)) segment = "*";
  }
  const bool in_array = s.size() >= 3 && s[0] == "arrays" && s[1] == "*" && s[2] == "config";
  const std::string key = join(s, in_array ? 3 : 0);
  return key.empty() ? "/" : key;
}

Description describe_defaults() {
  const sc::ArrayConfig array;
  sc::ArrayConfig with_group;
  with_group.volumes.emplace_back();
  json group = with_group.to_json()["volumes"][0];  // first_device, count, model
  group["tracks"] = nullptr;                        // an FBA group must give it
  group["track_kib"] = sc::VolumeGroupConfig{}.track_kib;
  const json firmware = engine::to_json(fw::ControllerConfig{});
  const json link = link_json(nullptr, nullptr, 1, 1, {}, {});
  json link_keys = link;
  link_keys["primary"] = nullptr;
  link_keys["secondary"] = nullptr;
  const json port = {{"array", nullptr}, {"port", 0}, {"volumes", json::array()}};
  const json host = {{"name", nullptr}, {"ports", json::array({port})}};
  const json topology = {{"arrays", json::array({json{{"name", nullptr}}})},
                         {"hosts", json::array({host})}};

  const auto patterns = [](const json& document) {
    std::vector<Row> rows = rows_of(document, nullptr, nullptr);
    for (Row& r : rows) r.key = r.doc_key;
    return rows;
  };
  Description d;
  d.kind = "defaults";
  d.document = {{"array", array.to_json()}, {"firmware", firmware}, {"link", link}};
  d.sections = {
      {"Array keys (docs/PLATFORM.md)", patterns(array.to_json())},
      {"Each volume group (an entry of /volumes)", patterns({{"volumes", json::array({group})}})},
      {"A topology's arrays and hosts (docs/DRIVER.md)", patterns(topology)},
      {"Firmware (/arrays/N/firmware; docs/DRIVER.md, docs/FIRMWARE.md)",
       patterns({{"arrays", json::array({json{{"firmware", firmware}}})}})},
      {"Link and link adapters (/link; docs/LINKS.md)", patterns({{"link", link_keys}})},
  };
  return d;
}

Description describe_file(const std::string& file) {
  const std::string text = read_text(file);
  const std::string extension = std::filesystem::path(file).extension().string();
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  const bool json_text = extension == ".json" || (first != std::string::npos && text[first] == '{');
  if (extension == ".yaml" || extension == ".yml" || !json_text) {
    return describe_scenario(file, text);
  }
  json input;
  try {
    input = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ConfigFileError(fmt::format("{}: not JSON: {}", file, e.what()));
  }
  if (!input.is_object()) {
    throw ConfigFileError(fmt::format(
        "{}: expected an object (an array description, a topology or a scenario), found {}", file,
        input.type_name()));
  }
  if (!input.contains("arrays")) return describe_array(file, input);
  // A topology has nothing but these; a scenario in JSON has more.
  for (const auto& [key, value] : input.items()) {
    if (key != "arrays" && key != "link" && key != "hosts") return describe_scenario(file, text);
  }
  return describe_topology(file, input);
}

}  // namespace copysim::config
