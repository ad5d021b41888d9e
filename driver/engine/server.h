// `copysim serve`: an engine behind a Unix domain socket (and, when asked,
// a TCP port on 127.0.0.1), for host programs in other processes. One
// thread: it reads frames from every connection, hands them to the engine,
// and steps the simulation while requests are outstanding. Whatever a
// client sends, the server answers with an error reply or closes that
// connection; a frame that does not decode changes nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "driver/engine/engine.h"

namespace copysim::engine {

struct ServeOptions {
  std::string socket_path;
  uint16_t tcp_port = 0;  // 0: no TCP
};

// Serves until `stop` becomes true (a signal handler sets it). Throws
// std::runtime_error if it cannot listen.
void serve(Engine& engine, const ServeOptions& options, const std::atomic<bool>& stop);

}  // namespace copysim::engine
