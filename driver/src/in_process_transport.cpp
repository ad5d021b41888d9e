// The in-process transport: the program owns the topology, and simulated
// time passes while it waits for a reply.
#include <deque>

#include "copysim/driver/result.h"
#include "driver/engine/engine.h"
#include "driver/src/transport.h"
#include "systemc/config/json_reader.h"

namespace copysim::driver::detail {

namespace {

class InProcess final : public Transport {
 public:
  explicit InProcess(const nlohmann::json& topology) : engine_(topology) {
    session_ = engine_.open([this](wire::Frame f) { replies_.push_back(std::move(f)); });
  }
  void send(const wire::Frame& frame) override { engine_.receive(session_, frame); }
  wire::Frame receive() override {
    while (replies_.empty()) {
      if (!engine_.step()) {
        throw Error(Status::not_connected, "the simulation ran out of activity before replying");
      }
    }
    return take();
  }
  std::optional<wire::Frame> try_receive() override {
    if (replies_.empty()) return std::nullopt;
    return take();
  }

 private:
  wire::Frame take() {
    wire::Frame f = std::move(replies_.front());
    replies_.pop_front();
    return f;
  }
  engine::Engine engine_;
  uint64_t session_ = 0;
  std::deque<wire::Frame> replies_;
};

}  // namespace

std::unique_ptr<Transport> in_process_transport(const std::string& topology_json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(topology_json);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(Status::bad_parameter, std::string("topology: ") + e.what());
  }
  try {
    return std::make_unique<InProcess>(j);
  } catch (const sc::ConfigError& e) {
    throw Error(Status::bad_parameter, std::string("topology: ") + e.what());
  }
}

}  // namespace copysim::driver::detail

// SystemC's library brings a main() that calls sc_main; a host program has
// its own main, and the driver runs the kernel itself, so this one is
// never called. It lets programs link without defining one.
int sc_main(int, char*[]) { return 1; }
