// The driver's wire format (docs/DRIVER_PROTOCOL.md has it byte by byte):
// length-prefixed, versioned frames carrying requests from a host and
// replies from the simulation. Both transports use it; the in-process one
// too, so both behave alike. Plain C++ with no other dependency, so the
// decoder is fuzzed on its own (driver/fuzz/).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "copysim/driver/types.h"

namespace copysim::driver::wire {

inline constexpr uint8_t kMagic0 = 0x43;  // 'C'
inline constexpr uint8_t kMagic1 = 0x53;  // 'S'
inline constexpr uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderBytes = 12;
inline constexpr uint32_t kMaxPayload = 16u << 20;
// The most blocks one READ or WRITE carries (its frame stays under the limit).
inline constexpr uint32_t kMaxBlocks = kMaxPayload / 512 - 1;
// The longest ADVANCE or NEXT_EVENT timeout: 10^17 ps, about 27.8 hours.
inline constexpr uint64_t kMaxWaitPs = 100'000'000'000'000'000ull;

enum class Type : uint8_t {
  hello = 0x01,
  now = 0x02,
  advance = 0x03,
  volumes = 0x04,
  read = 0x10,
  write = 0x11,
  command = 0x20,
  state = 0x21,
  next_event = 0x30,
  history = 0x31,
  statistics = 0x40,
  error = 0x7f,  // a reply to a frame that could not be read
};
inline constexpr uint8_t kReplyBit = 0x80;
bool known_request(uint8_t type);

// What a payload could not be read as: names the field and the offset.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Frame {
  uint8_t type = 0;
  uint32_t id = 0;
  std::vector<uint8_t> payload;
};

std::vector<uint8_t> encode(const Frame& frame);

// The header of a frame at the front of `bytes`: its type, id and payload
// length, or nothing if fewer than 12 bytes are there yet. Throws
// DecodeError for a wrong magic, version or length.
struct Header {
  uint8_t type;
  uint32_t id;
  uint32_t length;
};
std::optional<Header> peek_header(std::span<const uint8_t> bytes);

// Builds a payload field by field, big-endian.
class Writer {
 public:
  Writer& u8(uint8_t v);
  Writer& u16(uint16_t v);
  Writer& u32(uint32_t v);
  Writer& u64(uint64_t v);
  Writer& string(const std::string& s);       // u16 length, UTF-8
  Writer& bytes(std::span<const uint8_t> b);  // u32 length, bytes
  Writer& raw(std::span<const uint8_t> b);    // no length
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

// Reads a payload field by field; every read checks the bounds and throws
// DecodeError naming `what` and the offset.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t u8(const char* what);
  uint16_t u16(const char* what);
  uint32_t u32(const char* what);
  uint64_t u64(const char* what);
  std::string string(const char* what);
  std::vector<uint8_t> bytes(const char* what, uint32_t max = kMaxPayload);
  std::span<const uint8_t> raw(std::size_t n, const char* what);
  // Throws if bytes are left over.
  void end(const char* what) const;

 private:
  std::span<const uint8_t> take(std::size_t n, const char* what);
  std::span<const uint8_t> in_;
  std::size_t at_ = 0;
};

// Requests, as the server reads them.

struct Request {
  Type type = Type::now;
  std::string host;     // hello
  uint64_t ps = 0;      // advance: how long; next_event: timeout
  std::string array;    // io, command, state, history, statistics
  uint16_t device = 0;  // io; state/history: the source
  uint16_t target = 0;  // state/history
  driver::Service service = driver::Service::local_pair;
  uint64_t block = 0;
  uint32_t count = 0;
  std::vector<uint8_t> data;  // write: count x 512 bytes; command: the 32-byte block
  uint64_t after = 0;         // next_event: the last sequence seen
};
// Throws DecodeError naming the field; a request that decodes is complete
// and consistent (a write's data has count x 512 bytes, and so on).
Request decode_request(const Frame& frame);
Frame encode_request(const Request& request, uint32_t id);

// Replies: type = the request's | 0x80 (0xff for a frame that could not be
// read), same id; payload: status (u16), simulated time (u64 ps), message
// (string), then the request type's body.
struct ReplyHead {
  uint16_t status = 0;
  uint64_t time_ps = 0;
  std::string message;
};
Frame make_reply(uint8_t request_type, uint32_t id, const ReplyHead& head,
                 std::span<const uint8_t> body = {});
// The head; `r` is left at the body.
ReplyHead read_reply_head(Reader& r);

void put_event(Writer& w, const Event& e);
Event get_event(Reader& r);

}  // namespace copysim::driver::wire
