#include "firmware/hal/hardware.h"

namespace copysim::fw {

std::string_view to_string(SendStatus status) {
  switch (status) {
    case SendStatus::good:
      return "good";
    case SendStatus::link_down:
      return "link down";
    case SendStatus::retries_exhausted:
      return "retries exhausted";
    case SendStatus::target_error:
      return "target error";
  }
  return "unknown";
}

}  // namespace copysim::fw
