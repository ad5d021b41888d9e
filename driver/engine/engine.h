// Runs the requests of host connections against a simulated topology, in
// simulated time (docs/DRIVER.md). Each request runs as its own SystemC
// process, so requests from many hosts overlap as they would on real
// arrays; its reply goes back through the session's `send`. Simulated time
// moves only while a request is outstanding: the caller steps the kernel
// (step(), run_until()) — the in-process transport when a host waits, the
// server between reads of its sockets.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "copysim/driver/result.h"
#include "copysim/driver/types.h"
#include "driver/engine/topology.h"
#include "driver/src/wire.h"

namespace copysim::engine {

class Engine {
 public:
  // Throws sc::ConfigError for a topology it cannot build.
  explicit Engine(const nlohmann::json& topology);
  ~Engine();

  // A host connection; frames from it go to receive(), replies to `send`.
  uint64_t open(std::function<void(driver::wire::Frame)> send);
  // The connection is gone: replies still under way are dropped.
  void close(uint64_t session);
  // One frame from a session whose header was read; a payload that does not
  // decode gets an error reply and changes nothing.
  void receive(uint64_t session, const driver::wire::Frame& frame);

  // Requests under way (their replies not yet sent).
  std::size_t outstanding() const { return outstanding_; }
  // Runs the kernel to its next activity; false if it has none.
  bool step();
  // Steps until `done`; false if the kernel ran out of activity first.
  bool run_until(const std::function<bool()>& done);

  Topology& topology() { return *topology_; }
  const std::vector<driver::Event>& events() const { return events_; }

 private:
  struct Session {
    std::function<void(driver::wire::Frame)> send;
    const HostNode* host = nullptr;
    uint32_t in_flight = 0;  // its requests under way
  };
  // Requests one connection may have under way at once.
  static constexpr uint32_t kMaxInFlight = 1024;
  using Frame = driver::wire::Frame;
  void reply(uint64_t session, uint8_t type, uint32_t id, uint16_t status,
             const std::string& message, std::span<const uint8_t> body = {});
  void execute(uint64_t session, uint32_t id, driver::wire::Request request);
  // The port of `array` the session's host is attached to, or nullptr.
  const HostPort* port_of(const Session& s, const std::string& array) const;
  void record(const std::string& array, driver::Service service, const fw::HistoryEntry& e);
  std::string state_of(ArrayNode& a, driver::Service service, uint16_t source,
                       uint16_t target) const;

  std::unique_ptr<Topology> topology_;
  std::map<uint64_t, Session> sessions_;
  uint64_t next_session_ = 1;
  std::size_t outstanding_ = 0;
  bool elaborated_ = false;
  std::vector<driver::Event> events_;
  sc_core::sc_event event_added_;
  sc_core::sc_event session_closed_;  // waits of a closed session end early
};

}  // namespace copysim::engine
