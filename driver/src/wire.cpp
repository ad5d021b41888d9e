#include "driver/src/wire.h"

#include <string>

namespace copysim::driver::wire {

namespace {
constexpr uint32_t kBlockBytes = 512;
constexpr std::size_t kCommandBlockBytes = 32;
}  // namespace

bool known_request(uint8_t type) {
  switch (static_cast<Type>(type)) {
    case Type::hello:
    case Type::now:
    case Type::advance:
    case Type::volumes:
    case Type::read:
    case Type::write:
    case Type::command:
    case Type::state:
    case Type::next_event:
    case Type::history:
    case Type::statistics:
      return true;
    case Type::error:
      return false;
  }
  return false;
}

std::vector<uint8_t> encode(const Frame& frame) {
  Writer w;
  w.u8(kMagic0).u8(kMagic1).u8(kVersion).u8(frame.type).u32(frame.id);
  w.u32(static_cast<uint32_t>(frame.payload.size())).raw(frame.payload);
  return w.take();
}

std::optional<Header> peek_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes) return std::nullopt;
  Reader r(bytes.first(kHeaderBytes));
  if (r.u8("magic") != kMagic0 || r.u8("magic") != kMagic1) {
    throw DecodeError("bytes 0-1: not a copysim frame (magic is \"CS\")");
  }
  if (const uint8_t v = r.u8("version"); v != kVersion) {
    throw DecodeError("byte 2: protocol version " + std::to_string(v) + ", this side speaks " +
                      std::to_string(kVersion));
  }
  Header h{};
  h.type = r.u8("type");
  h.id = r.u32("request id");
  h.length = r.u32("payload length");
  if (h.length > kMaxPayload) {
    throw DecodeError("bytes 8-11: payload of " + std::to_string(h.length) +
                      " bytes exceeds the limit of " + std::to_string(kMaxPayload));
  }
  return h;
}

Writer& Writer::u8(uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(uint8_t(v)); }
Writer& Writer::u32(uint32_t v) { return u16(static_cast<uint16_t>(v >> 16)).u16(uint16_t(v)); }
Writer& Writer::u64(uint64_t v) { return u32(static_cast<uint32_t>(v >> 32)).u32(uint32_t(v)); }
Writer& Writer::string(const std::string& s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 0xffff);
  u16(static_cast<uint16_t>(n));
  out_.insert(out_.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
  return *this;
}
Writer& Writer::bytes(std::span<const uint8_t> b) {
  u32(static_cast<uint32_t>(b.size()));
  return raw(b);
}
Writer& Writer::raw(std::span<const uint8_t> b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

std::span<const uint8_t> Reader::take(std::size_t n, const char* what) {
  if (n > in_.size() - at_) {
    throw DecodeError(std::string(what) + " at offset " + std::to_string(at_) + ": needs " +
                      std::to_string(n) + " bytes, " + std::to_string(in_.size() - at_) + " left");
  }
  auto s = in_.subspan(at_, n);
  at_ += n;
  return s;
}
uint8_t Reader::u8(const char* what) { return take(1, what)[0]; }
uint16_t Reader::u16(const char* what) {
  auto b = take(2, what);
  return static_cast<uint16_t>(b[0] << 8 | b[1]);
}
uint32_t Reader::u32(const char* what) {
  auto b = take(4, what);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}
uint64_t Reader::u64(const char* what) {
  const uint64_t hi = u32(what);
  return hi << 32 | u32(what);
}
std::string Reader::string(const char* what) {
  const uint16_t n = u16(what);
  auto b = take(n, what);
  return std::string(b.begin(), b.end());
}
std::vector<uint8_t> Reader::bytes(const char* what, uint32_t max) {
  const uint32_t n = u32(what);
  if (n > max) {
    throw DecodeError(std::string(what) + ": " + std::to_string(n) + " bytes exceed " +
                      std::to_string(max));
  }
  auto b = take(n, what);
  return {b.begin(), b.end()};
}
std::span<const uint8_t> Reader::raw(std::size_t n, const char* what) { return take(n, what); }
void Reader::end(const char* what) const {
  if (at_ != in_.size()) {
    throw DecodeError(std::string(what) + ": " + std::to_string(in_.size() - at_) +
                      " bytes left over at offset " + std::to_string(at_));
  }
}

Request decode_request(const Frame& frame) {
  if (!known_request(frame.type)) {
    throw DecodeError("byte 3: unknown request type " + std::to_string(frame.type));
  }
  Request q;
  q.type = static_cast<Type>(frame.type);
  Reader r(frame.payload);
  switch (q.type) {
    case Type::hello:
      q.host = r.string("host name");
      if (q.host.empty()) throw DecodeError("host name: empty");
      break;
    case Type::now:
    case Type::volumes:
    case Type::error:
      break;
    case Type::advance:
      q.ps = r.u64("picoseconds");
      if (q.ps > kMaxWaitPs) throw DecodeError("picoseconds: more than 10^17 (27.8 hours)");
      break;
    case Type::read:
    case Type::write:
      q.array = r.string("array");
      q.device = r.u16("device");
      q.block = r.u64("block");
      q.count = r.u32("block count");
      if (q.count == 0 || q.count > kMaxBlocks) {
        throw DecodeError("block count " + std::to_string(q.count) + ": must be 1.." +
                          std::to_string(kMaxBlocks));
      }
      if (q.type == Type::write) {
        q.data = r.bytes("data");
        if (q.data.size() != std::size_t{q.count} * kBlockBytes) {
          throw DecodeError("data: " + std::to_string(q.data.size()) + " bytes for " +
                            std::to_string(q.count) + " blocks of 512");
        }
      }
      break;
    case Type::command: {
      q.array = r.string("array");
      auto b = r.raw(kCommandBlockBytes, "command block");
      q.data.assign(b.begin(), b.end());
      break;
    }
    case Type::state:
    case Type::history: {
      q.array = r.string("array");
      const uint8_t s = r.u8("service");
      if (s < 1 || s > 3) throw DecodeError("service " + std::to_string(s) + ": must be 1..3");
      q.service = static_cast<driver::Service>(s);
      q.device = r.u16("source");
      q.target = r.u16("target");
      break;
    }
    case Type::next_event:
      q.after = r.u64("after sequence");
      q.ps = r.u64("timeout picoseconds");
      if (q.ps > kMaxWaitPs) throw DecodeError("timeout picoseconds: more than 10^17 (27.8 hours)");
      break;
    case Type::statistics:
      q.array = r.string("array");
      break;
  }
  r.end("request payload");
  return q;
}

Frame encode_request(const Request& q, uint32_t id) {
  Writer w;
  switch (q.type) {
    case Type::hello:
      w.string(q.host);
      break;
    case Type::now:
    case Type::volumes:
    case Type::error:
      break;
    case Type::advance:
      w.u64(q.ps);
      break;
    case Type::read:
    case Type::write:
      w.string(q.array).u16(q.device).u64(q.block).u32(q.count);
      if (q.type == Type::write) w.bytes(q.data);
      break;
    case Type::command:
      w.string(q.array).raw(q.data);
      break;
    case Type::state:
    case Type::history:
      w.string(q.array).u8(static_cast<uint8_t>(q.service)).u16(q.device).u16(q.target);
      break;
    case Type::next_event:
      w.u64(q.after).u64(q.ps);
      break;
    case Type::statistics:
      w.string(q.array);
      break;
  }
  return Frame{static_cast<uint8_t>(q.type), id, w.take()};
}

Frame make_reply(uint8_t request_type, uint32_t id, const ReplyHead& head,
                 std::span<const uint8_t> body) {
  Writer w;
  w.u16(head.status).u64(head.time_ps).string(head.message).raw(body);
  return Frame{static_cast<uint8_t>(request_type | kReplyBit), id, w.take()};
}

ReplyHead read_reply_head(Reader& r) {
  ReplyHead h;
  h.status = r.u16("status");
  h.time_ps = r.u64("time");
  h.message = r.string("message");
  return h;
}

void put_event(Writer& w, const Event& e) {
  w.u64(e.sequence).u64(e.time.ps).string(e.array).u8(static_cast<uint8_t>(e.service));
  w.u32(e.id).u16(e.source).u16(e.target).string(e.event).string(e.from).string(e.to);
}

Event get_event(Reader& r) {
  Event e;
  e.sequence = r.u64("event sequence");
  e.time.ps = r.u64("event time");
  e.array = r.string("event array");
  const uint8_t s = r.u8("event service");
  if (s < 1 || s > 3) throw DecodeError("event service " + std::to_string(s));
  e.service = static_cast<driver::Service>(s);
  e.id = r.u32("event id");
  e.source = r.u16("event source");
  e.target = r.u16("event target");
  e.event = r.string("event");
  e.from = r.string("event from");
  e.to = r.string("event to");
  return e;
}

}  // namespace copysim::driver::wire
