// Running test code inside simulated time, on a platform elaborated once.
#pragma once

#include <exception>
#include <functional>
#include <stdexcept>

#include <systemc>

namespace copysim::testing {

// Runs `body` as a SystemC thread process and simulates until no event is
// left. Rethrows what `body` threw; throws if simulation starved before
// `body` returned (a process waiting for an event that never comes).
inline void run_in_simulation(const std::function<void()>& body) {
  std::exception_ptr error;
  bool finished = false;
  sc_core::sc_spawn([&] {
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
    finished = true;
  });
  sc_core::sc_start();
  if (error) std::rethrow_exception(error);
  if (!finished) throw std::runtime_error("simulation starved before the test body finished");
}

}  // namespace copysim::testing
