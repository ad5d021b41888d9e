// Value types of the driver API.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace copysim::driver {

// Simulated time, in picoseconds.
struct SimTime {
  uint64_t ps = 0;
  static constexpr SimTime from_us(double us) { return {static_cast<uint64_t>(us * 1e6)}; }
  static constexpr SimTime from_ms(double ms) { return {static_cast<uint64_t>(ms * 1e9)}; }
  static constexpr SimTime from_s(double s) { return {static_cast<uint64_t>(s * 1e12)}; }
  constexpr double us() const { return double(ps) / 1e6; }
  constexpr double ms() const { return double(ps) / 1e9; }
  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(SimTime o) const { return {ps + o.ps}; }
  constexpr SimTime operator-(SimTime o) const { return {ps - o.ps}; }
};

// A volume this host sees on one of its ports.
struct VolumeInfo {
  std::string array;
  uint16_t device = 0;
  uint64_t blocks = 0;  // of 512 bytes
  uint32_t blocks_per_track = 0;
};

enum class Service : uint8_t { local_pair = 1, clone = 2, remote_pair = 3 };
std::string_view to_string(Service service);

// A state change of a pair or a clone session, from the arrays' history
// logs, numbered in the order the simulation made them.
struct Event {
  uint64_t sequence = 0;
  SimTime time;
  std::string array;
  Service service = Service::local_pair;
  uint32_t id = 0;  // pair number, session id, or the remote pair's primary
  uint16_t source = 0;
  uint16_t target = 0;
  std::string event;  // "create", "point in time", "copied", "suspend", ...
  std::string from;   // state before
  std::string to;     // state after
};

// Local pair copy pace (seed 004): tracks per copy step.
enum class Pace : uint32_t { slow = 1, medium = 3, fast = 15 };

// Tracks [first, first + tracks) of a mainframe volume (clone extents).
struct Extent {
  uint32_t first = 0;
  uint32_t tracks = 0;
};

// A raw command block (docs/DRIVER_PROTOCOL.md lists the codes).
struct CommandBlock {
  uint16_t code = 0;
  uint16_t primary = 0;
  uint16_t secondary = 0;
  std::array<uint64_t, 3> parameters{};
};

}  // namespace copysim::driver
