#include "firmware/command/command_block.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace copysim::fw {
namespace {

void put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(std::span<const uint8_t> in, std::size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[at + i];
  return v;
}

std::string hex(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xf];
  return s;
}

}  // namespace

std::string device_name(uint16_t device) { return hex(device); }

std::string_view to_string(CommandResult result) {
  switch (result) {
    case CommandResult::ok:
      return "ok";
    case CommandResult::unknown_command:
      return "unknown command";
    case CommandResult::invalid_state:
      return "invalid state";
    case CommandResult::bad_parameter:
      return "bad parameter";
    case CommandResult::no_resources:
      return "no resources";
    case CommandResult::malformed:
      return "malformed";
  }
  return "unknown";
}

std::vector<uint8_t> encode(const CommandBlock& b) {
  std::vector<uint8_t> out;
  out.reserve(kCommandBlockBytes);
  put(out, b.code, 2);
  put(out, b.primary_volume, 2);
  put(out, b.secondary_volume, 2);
  put(out, 0, 2);
  for (uint64_t p : b.parameters) put(out, p, 8);
  return out;
}

CommandBlock decode_command(std::span<const uint8_t> bytes) {
  if (bytes.size() != kCommandBlockBytes) {
    throw std::invalid_argument("a command block is 32 bytes, not " + std::to_string(bytes.size()));
  }
  if (get(bytes, 6, 2) != 0) throw std::invalid_argument("bytes 6..7 are reserved and must be 0");
  CommandBlock b;
  b.code = static_cast<uint16_t>(get(bytes, 0, 2));
  b.primary_volume = static_cast<uint16_t>(get(bytes, 2, 2));
  b.secondary_volume = static_cast<uint16_t>(get(bytes, 4, 2));
  for (std::size_t i = 0; i < b.parameters.size(); ++i) b.parameters[i] = get(bytes, 8 + 8 * i, 8);
  return b;
}

std::vector<uint8_t> encode(const CommandStatus& s) {
  const std::size_t n = std::min<std::size_t>(s.message.size(), 0xffff);
  std::vector<uint8_t> out(4 + n);
  const auto result = static_cast<uint16_t>(s.result);
  out[0] = static_cast<uint8_t>(result >> 8);
  out[1] = static_cast<uint8_t>(result);
  out[2] = static_cast<uint8_t>(n >> 8);
  out[3] = static_cast<uint8_t>(n);
  std::memcpy(out.data() + 4, s.message.data(), n);
  return out;
}

CommandStatus decode_status(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4 || bytes.size() != 4 + get(bytes, 2, 2)) {
    throw std::invalid_argument("a status is 4 bytes and its message");
  }
  CommandStatus s;
  s.result = static_cast<CommandResult>(get(bytes, 0, 2));
  s.message.assign(bytes.begin() + 4, bytes.end());
  return s;
}

void CommandProcessor::add(uint16_t code, std::string name, Handler handler) {
  if (!handlers_.emplace(code, Entry{std::move(name), std::move(handler)}).second) {
    throw std::logic_error("command code " + hex(code) + " registered twice");
  }
}

CommandStatus CommandProcessor::execute(const CommandBlock& block) {
  auto it = handlers_.find(block.code);
  if (it == handlers_.end()) {
    return {CommandResult::unknown_command, "unknown command code " + hex(block.code)};
  }
  return it->second.handler(block);
}

std::vector<uint8_t> CommandProcessor::execute(std::span<const uint8_t> bytes) {
  CommandBlock block;
  try {
    block = decode_command(bytes);
  } catch (const std::invalid_argument& e) {
    return encode(CommandStatus{CommandResult::malformed, e.what()});
  }
  return encode(execute(block));
}

}  // namespace copysim::fw
