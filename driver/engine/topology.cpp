#include "driver/engine/topology.h"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

#include "driver/engine/topology_config.h"
#include "systemc/config/json_reader.h"
#include "systemc/link_adapter/remote_commit.h"

namespace copysim::engine {

using sc::ConfigError;
using sc::JsonReader;

Topology::Topology(const nlohmann::json& description) {
  if (!description.is_object()) throw ConfigError("/: a topology is a JSON object");
  JsonReader top(description, "");
  std::vector<fw::ControllerConfig> firmware;  // per array
  const nlohmann::json* arrays = top.array("arrays");
  if (arrays == nullptr || arrays->empty()) {
    throw ConfigError("/arrays: expected a list of at least one array");
  }
  for (std::size_t i = 0; i < arrays->size(); ++i) {
    const std::string path = fmt::format("/arrays/{}", i);
    const nlohmann::json& a = (*arrays)[i];
    if (!a.is_object()) throw ConfigError(path + ": expected an object");
    JsonReader r(a, path);
    auto node = std::make_unique<ArrayNode>();
    r.read("name", node->name);
    if (node->name.empty() || array(node->name) != nullptr) {
      throw ConfigError(path + "/name: expected a name no other array has");
    }
    nlohmann::json config;
    if (!a.contains("config")) throw ConfigError(path + "/config: missing");
    if (a["config"].is_string()) {
      std::ifstream in(a["config"].get<std::string>());
      if (!in) throw ConfigError(path + "/config: cannot read " + a["config"].get<std::string>());
      try {
        config = nlohmann::json::parse(in);
      } catch (const nlohmann::json::parse_error& e) {
        throw ConfigError(path + "/config: " + a["config"].get<std::string>() + ": " + e.what());
      }
    } else {
      config = a["config"];
    }
    if (a["config"].is_string()) {
      std::string file;
      r.read("config", file);
    } else {
      r.object("config");  // checked by the array's own reader
    }
    {
      JsonReader f = r.object("firmware");
      read_config(f, firmware.emplace_back());
      f.finish();
    }
    r.finish();
    sc::ArrayConfig array_config;
    try {
      array_config = sc::ArrayConfig::from_json(config);
    } catch (const ConfigError& e) {
      // The array's own reader names paths inside its description.
      const std::string m = e.what();
      throw ConfigError(path + "/config" + (m.empty() || m[0] == '/' ? "" : ": ") + m);
    }
    node->array = std::make_unique<sc::StorageArray>(node->name.c_str(), array_config);
    arrays_.push_back(std::move(node));
  }
  if (const nlohmann::json* l = description.contains("link") ? &description["link"] : nullptr) {
    top.object("link");
    link(*l);
  }
  for (auto& n : arrays_) {
    if (!n->hardware) {
      n->hardware =
          std::make_unique<sc::ArrayHardware>((n->name + "_hw").c_str(), *n->array, n->links.get());
    }
  }
  for (std::size_t i = 0; i < arrays_.size(); ++i) {
    ArrayNode* n = arrays_[i].get();
    try {
      n->firmware = std::make_unique<fw::Controller>(*n->hardware, firmware[i]);
    } catch (const std::length_error& e) {
      // A pool or table the array's control store cannot hold.
      throw ConfigError(fmt::format("/arrays/{}/firmware: {}", i, e.what()));
    }
    n->hardware->run_firmware(n->firmware->dispatcher());
    n->hardware->accept_commands(*n->firmware);
    n->hardware->intercept_host_io(n->firmware->host_io(), n->firmware->host_io());
    n->hardware->observe_remote_writes(n->firmware->bridges());
    n->hardware->power_restored = [fw = n->firmware.get()](const std::vector<uint16_t>& lost) {
      fw->pairs().volumes_lost_data(lost);
    };
  }
  if (const nlohmann::json* hosts = top.array("hosts")) {
    for (std::size_t i = 0; i < hosts->size(); ++i) {
      const std::string path = fmt::format("/hosts/{}", i);
      const nlohmann::json& h = (*hosts)[i];
      if (!h.is_object()) throw ConfigError(path + ": expected an object");
      JsonReader r(h, path);
      HostNode host;
      r.read("name", host.name);
      if (host.name.empty() || this->host(host.name) != nullptr) {
        throw ConfigError(path + "/name: expected a name no other host has");
      }
      const nlohmann::json* ports = r.array("ports");
      if (ports == nullptr || ports->empty()) {
        throw ConfigError(path + "/ports: expected a list of at least one port");
      }
      for (std::size_t k = 0; k < ports->size(); ++k) {
        const std::string pp = fmt::format("{}/ports/{}", path, k);
        if (!(*ports)[k].is_object()) throw ConfigError(pp + ": expected an object");
        JsonReader pr((*ports)[k], pp);
        HostPort port;
        pr.read("array", port.array);
        ArrayNode* a = array(port.array);
        if (a == nullptr) throw ConfigError(pp + "/array: no array named \"" + port.array + "\"");
        pr.read("port", port.port, 0, a->array->host_ports() - 1);
        if (const nlohmann::json* volumes = pr.array("volumes")) {
          for (std::size_t v = 0; v < volumes->size(); ++v) {
            const nlohmann::json& d = (*volumes)[v];
            uint16_t device = 0;
            const nlohmann::json wrapped = {{"device", d}};
            JsonReader vr(wrapped, fmt::format("{}/volumes/{}", pp, v));
            vr.read_device("device", device);
            if (a->array->volume(device) == nullptr) {
              throw ConfigError(fmt::format("{}/volumes/{}: {} has no volume {:#06x}", pp, v,
                                            port.array, device));
            }
            a->array->map_volume(port.port, device);
          }
        }
        pr.finish();
        host.ports.push_back(port);
      }
      r.finish();
      hosts_.push_back(std::move(host));
    }
  }
  top.finish();
}

Topology::~Topology() = default;

// Forward links carry remote copy and data bridges from the primary; return
// links carry status bridges back.
void Topology::link(const nlohmann::json& j) {
  if (!j.is_object()) throw ConfigError("/link: expected an object");
  JsonReader r(j, "/link");
  std::string primary, secondary;
  uint32_t links = 1, return_links = 1;
  sc::FcLinkConfig lc;
  sc::LinkAdapterConfig adapter;
  r.read("primary", primary);
  r.read("secondary", secondary);
  r.read("links", links, 1, 8);
  r.read("return_links", return_links, 0, 8);
  read_config(r, lc);
  {
    JsonReader a = r.object("adapter");
    read_config(a, adapter);
    a.finish();
  }
  r.finish();
  ArrayNode* p = array(primary);
  ArrayNode* s = array(secondary);
  if (p == nullptr || s == nullptr || p == s) {
    throw ConfigError("/link: primary and secondary must name two different arrays");
  }
  p->links =
      std::make_unique<sc::LinkAdapter>((primary + "_la").c_str(), adapter, p->array->cache());
  s->links =
      std::make_unique<sc::LinkAdapter>((secondary + "_la").c_str(), adapter, s->array->cache());
  for (uint32_t i = 0; i < links + return_links; ++i) {
    const bool forward = i < links;
    ArrayNode* from = forward ? p : s;
    ArrayNode* to = forward ? s : p;
    fibres_.push_back(std::make_unique<sc::FcLink>(
        fmt::format("{}_to_{}_{}", from->name, to->name, i).c_str(), lc));
    from->links->add_path(*fibres_.back(),
                          sc::commit_to(*to->array, [to](const sc::RemoteWriteControl& w) {
                            to->hardware->remote_write_arrived(w);
                          }));
  }
  p->hardware =
      std::make_unique<sc::ArrayHardware>((primary + "_hw").c_str(), *p->array, p->links.get());
  s->hardware =
      std::make_unique<sc::ArrayHardware>((secondary + "_hw").c_str(), *s->array, s->links.get());
  p->hardware->connect_peer(*s->hardware);
  s->hardware->connect_peer(*p->hardware);
  p->hardware->secondary_write_protect = [s](uint16_t device, bool on) {
    s->array->set_write_protected(device, on, "it is the secondary of a remote copy pair");
  };
}

ArrayNode* Topology::array(const std::string& name) {
  for (auto& a : arrays_) {
    if (a->name == name) return a.get();
  }
  return nullptr;
}

const HostNode* Topology::host(const std::string& name) const {
  for (const auto& h : hosts_) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

}  // namespace copysim::engine
