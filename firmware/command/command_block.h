// Command blocks: what a host sends the controller to drive its copy
// services, and the status it gets back. On the wire a command block is 32
// bytes, big-endian: code (2), primary volume (2), secondary volume (2),
// reserved (2), three 8-byte parameters; a status is result (2), message
// length (2), message (UTF-8).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace copysim::fw {

inline constexpr std::size_t kCommandBlockBytes = 32;

struct CommandBlock {
  uint16_t code = 0;
  uint16_t primary_volume = 0;
  uint16_t secondary_volume = 0;
  std::array<uint64_t, 3> parameters{};
};

enum class CommandResult : uint16_t {
  ok = 0,
  unknown_command = 1,
  invalid_state = 2,  // the command does not apply in the current state; nothing changed
  bad_parameter = 3,
  no_resources = 4,  // e.g. no TCB free; nothing changed
  malformed = 5,     // the bytes are not a command block
};
std::string_view to_string(CommandResult result);
// "0x0100": how statuses and logs name a device.
std::string device_name(uint16_t device);

struct CommandStatus {
  CommandResult result = CommandResult::ok;
  std::string message;
  bool ok() const { return result == CommandResult::ok; }
};

std::vector<uint8_t> encode(const CommandBlock& block);
// Throws std::invalid_argument naming what is wrong.
CommandBlock decode_command(std::span<const uint8_t> bytes);
std::vector<uint8_t> encode(const CommandStatus& status);
CommandStatus decode_status(std::span<const uint8_t> bytes);

// Routes command blocks to the handler registered for their code.
class CommandProcessor {
 public:
  using Handler = std::function<CommandStatus(const CommandBlock&)>;
  void add(uint16_t code, std::string name, Handler handler);
  CommandStatus execute(const CommandBlock& block);
  // Bytes in, bytes out: a malformed block gets a `malformed` status.
  std::vector<uint8_t> execute(std::span<const uint8_t> bytes);

 private:
  struct Entry {
    std::string name;
    Handler handler;
  };
  std::map<uint16_t, Entry> handlers_;
};

}  // namespace copysim::fw
