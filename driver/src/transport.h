// How a connection's frames travel: to an engine in this process, or over
// a socket to `copysim serve`. Replies may come in any order.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "driver/src/wire.h"

namespace copysim::driver::detail {

class Transport {
 public:
  virtual ~Transport() = default;
  // Throw driver::Error (not_connected) when the other side is gone.
  virtual void send(const wire::Frame& frame) = 0;
  // The next reply; in-process, simulated time passes until there is one.
  virtual wire::Frame receive() = 0;
  // A reply already there, without waiting.
  virtual std::optional<wire::Frame> try_receive() = 0;
};

// Both throw driver::Error naming what failed.
std::unique_ptr<Transport> in_process_transport(const std::string& topology_json);
std::unique_ptr<Transport> socket_transport(int fd);

}  // namespace copysim::driver::detail
