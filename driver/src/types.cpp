#include "copysim/driver/types.h"
#include "copysim/driver/result.h"

namespace copysim::driver {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::unknown_command:
      return "unknown command";
    case Status::invalid_state:
      return "invalid state";
    case Status::bad_parameter:
      return "bad parameter";
    case Status::no_resources:
      return "no resources";
    case Status::malformed:
      return "malformed";
    case Status::data_check:
      return "data check";
    case Status::no_such_volume:
      return "no such volume";
    case Status::out_of_range:
      return "out of range";
    case Status::bad_buffer:
      return "bad buffer";
    case Status::write_protected:
      return "write protected";
    case Status::not_ready:
      return "not ready";
    case Status::no_such_array:
      return "no such array";
    case Status::not_connected:
      return "not connected";
    case Status::protocol_error:
      return "protocol error";
    case Status::timed_out:
      return "timed out";
    case Status::not_a_host:
      return "not a host";
  }
  return "unknown status";
}

std::string_view to_string(Service service) {
  switch (service) {
    case Service::local_pair:
      return "local pair";
    case Service::clone:
      return "clone";
    case Service::remote_pair:
      return "remote pair";
  }
  return "unknown";
}

}  // namespace copysim::driver
