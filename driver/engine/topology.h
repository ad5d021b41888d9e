// A simulated topology built from its JSON description (docs/DRIVER.md,
// "Topology"): named arrays, each with its firmware; optionally one pair of
// arrays joined by Fibre Channel links both ways; and hosts, each with the
// array ports it is attached to and the volumes mapped to them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/controller/controller.h"
#include "systemc/array/storage_array.h"
#include "systemc/hal/array_hardware.h"
#include "systemc/link/fc_link.h"
#include "systemc/link_adapter/link_adapter.h"

namespace copysim::engine {

struct ArrayNode {
  std::string name;
  std::unique_ptr<sc::StorageArray> array;
  std::unique_ptr<sc::LinkAdapter> links;  // outgoing, when linked
  std::unique_ptr<sc::ArrayHardware> hardware;
  std::unique_ptr<fw::Controller> firmware;
};

struct HostPort {
  std::string array;
  uint32_t port = 0;
};

struct HostNode {
  std::string name;
  std::vector<HostPort> ports;
};

class Topology {
 public:
  // Throws sc::ConfigError naming the JSON path and what was expected.
  explicit Topology(const nlohmann::json& description);
  ~Topology();

  ArrayNode* array(const std::string& name);
  const HostNode* host(const std::string& name) const;
  std::vector<std::unique_ptr<ArrayNode>>& arrays() { return arrays_; }
  // The links: forward ones first, then return ones.
  std::size_t fibres() const { return fibres_.size(); }
  sc::FcLink& fibre(std::size_t i) { return *fibres_.at(i); }

 private:
  void link(const nlohmann::json& j);
  std::vector<std::unique_ptr<ArrayNode>> arrays_;
  std::vector<HostNode> hosts_;
  std::vector<std::unique_ptr<sc::FcLink>> fibres_;
};

}  // namespace copysim::engine
