// The parts of a topology description (docs/DRIVER.md, "Topology") that
// configure the link between two arrays and each array's firmware:
// FcLinkConfig under /link, LinkAdapterConfig under /link/adapter and
// fw::ControllerConfig under /arrays/N/firmware. Every member of each is a
// key named after it; the readers are strict (unknown keys and values out
// of range are errors naming the JSON path) and to_json writes every member,
// so a configuration written out and read back is the same configuration.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "firmware/controller/controller.h"
#include "systemc/config/json_reader.h"
#include "systemc/link/fc_link.h"
#include "systemc/link_adapter/link_adapter.h"

namespace copysim::engine {

// Each reads the members present in `r`'s object into `config`, keeping
// the rest, and checks nested objects completely; the caller calls
// r.finish(), since /link holds keys of its own beside FcLinkConfig's.
void read_config(sc::JsonReader& r, sc::FcLinkConfig& config);
void read_config(sc::JsonReader& r, sc::LinkAdapterConfig& config);
void read_config(sc::JsonReader& r, fw::ControllerConfig& config);

nlohmann::json to_json(const sc::FcLinkConfig& config);
nlohmann::json to_json(const sc::LinkAdapterConfig& config);
nlohmann::json to_json(const fw::ControllerConfig& config);

// The defaults overridden by `description`, an object at JSON path `path`
// holding nothing else; throws sc::ConfigError naming the path.
template <class Config>
Config config_from_json(const nlohmann::json& description, const std::string& path) {
  Config config;
  sc::JsonReader r(description, path);
  read_config(r, config);
  r.finish();
  return config;
}

}  // namespace copysim::engine
