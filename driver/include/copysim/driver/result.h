// Results of driver calls: a value, or an Error carrying the status the
// array (or the transport) gave and its message, e.g. "ACTIVATE refused:
// session 3 is already active".
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace copysim::driver {

enum class Status : uint16_t {
  ok = 0,
  // The controller's command results.
  unknown_command = 1,
  invalid_state = 2,  // the command does not apply in the current state; nothing changed
  bad_parameter = 3,
  no_resources = 4,
  malformed = 5,
  // Host IO results.
  data_check = 16,
  no_such_volume = 17,  // no such volume, or not mapped to this host's port
  out_of_range = 18,
  bad_buffer = 19,
  write_protected = 20,
  not_ready = 21,
  // The driver's own.
  no_such_array = 32,
  not_connected = 33,  // the transport failed or the server closed the connection
  protocol_error = 34,
  timed_out = 35,
  not_a_host = 36,  // no host of that name in the topology
};
std::string_view to_string(Status status);

class Error : public std::runtime_error {
 public:
  Error(Status status, std::string message)
      : std::runtime_error(std::string(to_string(status)) + ": " + message),
        status_(status),
        message_(std::move(message)) {}
  Status status() const { return status_; }
  const std::string& message() const { return message_; }

 private:
  Status status_;
  std::string message_;
};

// A value or an Error. value() throws the Error when there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& {
    if (!ok()) throw *error_;
    return *value_;
  }
  // By value, so `for (auto& x : call().value())` holds what it iterates.
  T value() && {
    if (!ok()) throw *error_;
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  // The error; only when !ok().
  const Error& error() const { return *error_; }
  Status status() const { return ok() ? Status::ok : error_->status(); }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  void value() const {
    if (!ok()) throw *error_;
  }
  const Error& error() const { return *error_; }
  Status status() const { return ok() ? Status::ok : error_->status(); }

 private:
  std::optional<Error> error_;
};

}  // namespace copysim::driver
