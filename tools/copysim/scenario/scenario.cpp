#include "tools/copysim/scenario/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "firmware/bridge/bridge_service.h"
#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "tools/copysim/scenario/yaml_reader.h"

namespace copysim::scenario {

const std::map<std::string, uint16_t>& command_actions() {
  static const std::map<std::string, uint16_t> actions = {
      {"local_pair.create", fw::kCreateLocalPair},
      {"local_pair.delete", fw::kDeleteLocalPair},
      {"local_pair.split", fw::kCopyLocalPair},
      {"local_pair.resync", fw::kResyncLocalPair},
      {"local_pair.suspend", fw::kSuspendLocalPair},
      {"local_pair.reserve", fw::kSetReserve},
      {"clone.create", fw::kCreateClone},
      {"clone.precopy", fw::kPrecopyClone},
      {"clone.activate", fw::kActivateClone},
      {"clone.active_copy", fw::kActiveCopyClone},
      {"clone.terminate", fw::kTerminateClone},
      {"clone.add_extent", fw::kAddCloneExtent},
      {"remote.establish_path", fw::kEstablishPath},
      {"remote.remove_path", fw::kRemovePath},
      {"remote.establish_pair", fw::kEstablishPair},
      {"remote.suspend_pair", fw::kSuspendPair},
      {"remote.resume_pair", fw::kResumePair},
      {"remote.terminate_pair", fw::kTerminatePair},
      {"bridge.define", fw::kDefineBridge},
      {"bridge.establish", fw::kEstablishBridge},
      {"bridge.remove", fw::kRemoveBridge},
  };
  return actions;
}

namespace {

// Faults on a link, and faults on an array.
const std::set<std::string> kLinkFaults = {"fault.link_down",     "fault.link_up",
                                           "fault.frame_corrupt", "fault.frame_drop",
                                           "fault.frame_delay",   "fault.credit_loss"};
const std::set<std::string> kArrayFaults = {"fault.media_error", "fault.write_error",
                                            "fault.cpu_busy",    "fault.cache_full",
                                            "fault.power_loss",  "fault.drive_loss"};
bool is_fault(const std::string& action) {
  return kLinkFaults.count(action) != 0 || kArrayFaults.count(action) != 0;
}

// KEY=VALUE with KEY a slash path into the document.
void apply_override(YAML::Node root, const std::string& file, const std::string& o) {
  const auto eq = o.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ScenarioError(fmt::format("{}: override \"{}\": expected PATH=VALUE", file, o));
  }
  std::vector<std::string> parts;
  std::string key = o.substr(0, eq);
  for (std::size_t at = 0; at <= key.size();) {
    const std::size_t slash = std::min(key.find('/', at), key.size());
    if (slash > at) parts.push_back(key.substr(at, slash - at));
    at = slash + 1;
  }
  if (parts.empty()) {
    throw ScenarioError(fmt::format("{}: override \"{}\": the path is empty", file, o));
  }
  YAML::Node n = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (n.IsSequence()) {
      std::size_t k = 0;
      try {
        k = std::stoul(parts[i]);
      } catch (const std::exception&) {
        k = n.size();
      }
      if (k >= n.size()) {
        throw ScenarioError(
            fmt::format("{}: override \"{}\": {} is not an index of the list", file, o, parts[i]));
      }
      n.reset(n[k]);
    } else {
      YAML::Node next = n[parts[i]];
      n.reset(next);
    }
  }
  if (n.IsSequence()) {
    std::size_t k = n.size();
    try {
      k = std::stoul(parts.back());
    } catch (const std::exception&) {
    }
    if (k >= n.size()) {
      throw ScenarioError(fmt::format("{}: override \"{}\": {} is not an index of the list", file,
                                      o, parts.back()));
    }
    n[k] = o.substr(eq + 1);
    return;
  }
  if (n.IsScalar()) {
    throw ScenarioError(
        fmt::format("{}: override \"{}\": {} is a value, not a map or a list", file, o, key));
  }
  n[parts.back()] = o.substr(eq + 1);
}

SyntheticWorkload read_synthetic(YamlMap& m) {
  SyntheticWorkload s;
  m.read("read_fraction", s.read_fraction, 0, 1);
  m.read("blocks", s.blocks, 1, 4096);
  m.read_choice("pattern", s.pattern, {"random", "sequential"});
  m.read("queue_depth", s.queue_depth, 1, 256);
  m.read("rate_iops", s.rate_iops, 0, 1e7);
  m.read_choice("skew", s.skew, {"uniform", "hotspot", "zipf"});
  m.read("hot_fraction", s.hot_fraction, 1e-6, 1);
  m.read("hot_probability", s.hot_probability, 0, 1);
  m.read("zipf_theta", s.zipf_theta, 0.01, 5);
  return s;
}

TraceWorkload read_trace(YamlMap& m, const std::string& base_dir) {
  TraceWorkload t;
  m.require("format");
  m.require("file");
  m.read_choice("format", t.format, {"msr", "disksim", "spc"});
  m.read("file", t.file);
  if (!t.file.empty() && t.file[0] != '/') t.file = base_dir + t.file;
  m.read("time_scale", t.time_scale, 1e-6, 1e6);
  m.read("max_records", t.max_records, 0, UINT64_MAX);
  if (m.has("devices")) {
    const YAML::Node d = m.take("devices");
    if (!d.IsMap() || d.size() == 0) m.fail("devices", "a map of trace device to volume");
    for (const auto& kv : d) {
      uint64_t trace_device = 0;
      if (!YAML::convert<uint64_t>::decode(kv.first, trace_device) || trace_device > 0xffffffff) {
        throw ScenarioError(fmt::format("{}: {}: expected a trace device number, found \"{}\"",
                                        where(m.file(), kv.first), m.child("devices"),
                                        kv.first.Scalar()));
      }
      t.devices[static_cast<uint32_t>(trace_device)] =
          device_of(kv.second, where(m.file(), kv.second), m.child("devices/" + kv.first.Scalar()));
    }
  } else {
    m.fail("devices", "a map of trace device to volume (e.g. {0: 0x1000})");
  }
  return t;
}

}  // namespace

Scenario load(const std::string& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file);
  if (!in) throw ScenarioError(fmt::format("{}: cannot read the file", file));
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), file, overrides);
}

Scenario parse(const std::string& text, const std::string& file,
               const std::vector<std::string>& overrides) {
  if (const auto bad = invalid_utf8(text)) {
    throw ScenarioError(fmt::format("{}: not UTF-8 text (byte {})", file, *bad));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ScenarioError(fmt::format("{}:{}:{}: not YAML or JSON: {}", file, e.mark.line + 1,
                                    e.mark.column + 1, e.msg));
  }
  for (const auto& o : overrides) {
    try {
      apply_override(root, file, o);
    } catch (const YAML::Exception& e) {
      throw ScenarioError(fmt::format("{}: override \"{}\": {}", file, o, e.msg));
    }
  }
  const std::string base_dir =
      file.find('/') == std::string::npos ? std::string() : file.substr(0, file.rfind('/') + 1);
  Scenario s;
  s.file = file;
  YamlMap top(root, file, "");
  top.require("arrays");
  top.read("name", s.name);
  if (s.name.empty()) s.name = file.substr(file.rfind('/') + 1);
  top.read("description", s.description);
  top.read("seed", s.seed, 0, UINT64_MAX);
  top.read("duration_ms", s.duration_ms, 0.001, 1e8);
  top.read("bucket_ms", s.bucket_ms, 0.001, 1e6);
  top.read("waveforms", s.waveforms);
  top.read("verify", s.verify);
  // Buckets are kept in memory: at most a million per run.
  if (s.duration_ms / s.bucket_ms > 1e6) {
    top.fail("bucket_ms",
             fmt::format("at least duration_ms / 1,000,000 = {} ms", s.duration_ms / 1e6));
  }

  // The topology: as the driver reads it, with each JSON pointer's line.
  nlohmann::json topology = nlohmann::json::object();
  for (const char* key : {"arrays", "link", "hosts"}) {
    if (!top.has(key)) continue;
    const YAML::Node n = top.take(key);
    topology[key] = to_json(n, file, std::string("/") + key, s.positions);
  }
  // Array descriptions given as file names are relative to the scenario.
  for (auto& a : topology["arrays"]) {
    if (a.is_object() && a.contains("config") && a["config"].is_string()) {
      const std::string f = a["config"];
      if (!f.empty() && f[0] != '/') a["config"] = base_dir + f;
    }
  }
  s.topology = topology;

  if (top.has("workloads")) {
    const YAML::Node list = top.take("workloads");
    if (!list.IsSequence()) top.fail("workloads", "a list of workloads");
    for (std::size_t i = 0; i < list.size(); ++i) {
      YamlMap m(list[i], file, fmt::format("/workloads/{}", i));
      Workload w;
      m.require("host");
      m.require("array");
      m.require("volumes");
      m.read("name", w.name);
      if (w.name.empty()) w.name = fmt::format("workload{}", i);
      m.read("host", w.host);
      m.read("array", w.array);
      m.read_choice("type", w.type, {"synthetic", "trace"});
      m.read("start_ms", w.start_ms, 0, 1e8);
      m.read("stop_ms", w.stop_ms, 0, 1e8);
      const YAML::Node v = m.take("volumes");
      if (!v.IsSequence() || v.size() == 0) m.fail("volumes", "a list of device numbers");
      for (std::size_t k = 0; k < v.size(); ++k) {
        w.volumes.push_back(
            device_of(v[k], where(file, v[k]), m.child(fmt::format("volumes/{}", k))));
      }
      if (w.type == "synthetic") {
        if (m.has("trace")) m.fail("trace", "no trace settings in a synthetic workload");
        if (m.has("synthetic")) {
          YamlMap sm(m.take("synthetic"), file, m.child("synthetic"));
          w.synthetic = read_synthetic(sm);
          sm.finish();
        }
      } else {
        if (m.has("synthetic")) m.fail("synthetic", "no synthetic settings in a trace workload");
        m.require("trace");
        YamlMap tm(m.take("trace"), file, m.child("trace"));
        w.trace = read_trace(tm, base_dir);
        tm.finish();
      }
      m.finish();
      // The host's port on the array, from the topology.
      // (Read leniently: the topology's own reader reports its errors.)
      auto string_of = [](const nlohmann::json& j, const char* key) {
        return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
      };
      auto list_of = [](const nlohmann::json& j, const char* key) {
        return j.is_object() && j.contains(key) && j[key].is_array() ? j[key]
                                                                     : nlohmann::json::array();
      };
      bool found = false;
      for (const auto& h : list_of(topology, "hosts")) {
        if (!h.is_object() || string_of(h, "name") != w.host) continue;
        for (const auto& p : list_of(h, "ports")) {
          if (p.is_object() && string_of(p, "array") == w.array) {
            found = true;
            // A port that is not a whole number is the topology's error to report.
            if (p.contains("port") &&
                (!p["port"].is_number_integer() || p["port"].get<int64_t>() < 0)) {
              break;
            }
            w.port = static_cast<uint32_t>(p.value("port", int64_t{0}));
          }
        }
      }
      if (!found) {
        throw ScenarioError(
            fmt::format("{}: {}: host \"{}\" has no port on array \"{}\" in "
                        "/hosts",
                        where(file, list[i]["host"]), m.child("host"), w.host, w.array));
      }
      s.workloads.push_back(std::move(w));
    }
  }

  if (top.has("timeline")) {
    const YAML::Node list = top.take("timeline");
    if (!list.IsSequence()) top.fail("timeline", "a list of commands and faults");
    for (std::size_t i = 0; i < list.size(); ++i) {
      YamlMap m(list[i], file, fmt::format("/timeline/{}", i));
      TimelineEntry e;
      e.where = where(file, list[i]);
      m.require("at_ms");
      m.require("do");
      m.read("at_ms", e.at_ms, 0, 1e8);
      m.read("do", e.action);
      if (command_actions().count(e.action) == 0 && !is_fault(e.action)) {
        std::string all;
        for (const auto& [a, c] : command_actions()) all += a + ", ";
        for (const auto& f : kLinkFaults) all += f + ", ";
        for (const auto& f : kArrayFaults) all += f + ", ";
        m.fail("do", "one of " + all.substr(0, all.size() - 2));
      }
      const bool counted = e.action == "fault.frame_corrupt" || e.action == "fault.frame_drop" ||
                           e.action == "fault.credit_loss";
      const bool lasting = e.action == "fault.frame_delay" || e.action == "fault.cpu_busy" ||
                           e.action == "fault.cache_full" || e.action == "fault.power_loss";
      if (kLinkFaults.count(e.action) != 0) {
        m.require("link");
        m.read("link", e.link, 0, 63);
      } else if (kArrayFaults.count(e.action) != 0) {
        m.require("array");
        m.read("array", e.array);
      }
      if (counted) m.read("count", e.count, 1, 1'000'000);
      if (lasting) {
        m.require("us");
        m.read("us", e.us, 0.0, 1e9);
      }
      if (e.action == "fault.drive_loss") {
        m.require("drive");
        m.read("drive", e.drive, 0, 100000);
        m.read("rebuild_after_ms", e.rebuild_after_ms, 0.0, 1e8);
      }
      if (e.action == "fault.media_error" || e.action == "fault.write_error") {
        m.require("volume");
        m.require("block");
        m.read_device("volume", e.volume);
        m.read("block", e.block, 0, uint64_t{1} << 48);
      }
      if (!is_fault(e.action)) {
        m.require("array");
        m.read("array", e.array);
        m.read_device("primary", e.primary);
        m.read_device("secondary", e.secondary);
        uint64_t pace = 0;
        m.read("pace", pace, 0, 15);
        e.parameters[0] = pace;
        if (m.has("parameters") && m.has("pace")) {
          m.fail("pace", "either pace or parameters, not both (pace is parameter 0)");
        }
        if (m.has("parameters")) {
          const YAML::Node p = m.take("parameters");
          if (!p.IsSequence() || p.size() > 3) m.fail("parameters", "a list of up to 3 numbers");
          for (std::size_t k = 0; k < p.size(); ++k) {
            uint64_t v = 0;
            if (!p[k].IsScalar()) m.fail("parameters", "numbers");
            try {
              v = std::stoull(p[k].Scalar(), nullptr, 0);
            } catch (const std::exception&) {
              m.fail("parameters", "numbers");
            }
            e.parameters[k] = v;
          }
        }
      }
      m.finish();
      s.timeline.push_back(e);
    }
    std::stable_sort(
        s.timeline.begin(), s.timeline.end(),
        [](const TimelineEntry& a, const TimelineEntry& b) { return a.at_ms < b.at_ms; });
  }
  top.finish();
  return s;
}

nlohmann::json Scenario::as_run() const {
  nlohmann::json j;
  j["name"] = name;
  j["description"] = description;
  j["seed"] = seed;
  j["duration_ms"] = duration_ms;
  j["bucket_ms"] = bucket_ms;
  j["waveforms"] = waveforms;
  j["verify"] = verify;
  for (const auto& [k, v] : topology.items()) j[k] = v;
  nlohmann::json ws = nlohmann::json::array();
  for (const Workload& w : workloads) {
    nlohmann::json o = {{"name", w.name},      {"host", w.host}, {"array", w.array},
                        {"port", w.port},      {"type", w.type}, {"start_ms", w.start_ms},
                        {"stop_ms", w.stop_ms}};
    nlohmann::json vols = nlohmann::json::array();
    for (uint16_t v : w.volumes) vols.push_back(fmt::format("{:#06x}", v));
    o["volumes"] = vols;
    if (w.type == "synthetic") {
      const SyntheticWorkload& s = w.synthetic;
      o["synthetic"] = {{"read_fraction", s.read_fraction},
                        {"blocks", s.blocks},
                        {"pattern", s.pattern},
                        {"queue_depth", s.queue_depth},
                        {"rate_iops", s.rate_iops},
                        {"skew", s.skew},
                        {"hot_fraction", s.hot_fraction},
                        {"hot_probability", s.hot_probability},
                        {"zipf_theta", s.zipf_theta}};
    } else {
      nlohmann::json devices = nlohmann::json::object();
      for (auto [t, v] : w.trace.devices) devices[std::to_string(t)] = fmt::format("{:#06x}", v);
      o["trace"] = {{"format", w.trace.format},
                    {"file", w.trace.file},
                    {"time_scale", w.trace.time_scale},
                    {"max_records", w.trace.max_records},
                    {"devices", devices}};
    }
    ws.push_back(o);
  }
  j["workloads"] = ws;
  nlohmann::json tl = nlohmann::json::array();
  for (const TimelineEntry& e : timeline) {
    nlohmann::json o = {{"at_ms", e.at_ms}, {"do", e.action}};
    if (kLinkFaults.count(e.action) != 0) o["link"] = e.link;
    if (kArrayFaults.count(e.action) != 0) o["array"] = e.array;
    if (e.action == "fault.drive_loss") {
      o["drive"] = e.drive;
      if (e.rebuild_after_ms >= 0) o["rebuild_after_ms"] = e.rebuild_after_ms;
    }
    if (e.action == "fault.media_error" || e.action == "fault.write_error") {
      o["volume"] = fmt::format("{:#06x}", e.volume);
      o["block"] = e.block;
    }
    if (e.action == "fault.frame_corrupt" || e.action == "fault.frame_drop" ||
        e.action == "fault.credit_loss") {
      o["count"] = e.count;
    }
    if (e.action == "fault.frame_delay" || e.action == "fault.cpu_busy" ||
        e.action == "fault.cache_full" || e.action == "fault.power_loss") {
      o["us"] = e.us;
    }
    if (!is_fault(e.action)) {
      o["array"] = e.array;
      o["primary"] = fmt::format("{:#06x}", e.primary);
      o["secondary"] = fmt::format("{:#06x}", e.secondary);
      o["parameters"] = e.parameters;
    }
    tl.push_back(o);
  }
  j["timeline"] = tl;
  return j;
}

}  // namespace copysim::scenario
