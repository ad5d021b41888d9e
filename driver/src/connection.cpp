#include "copysim/driver/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "driver/src/transport.h"
#include "driver/src/wire.h"

namespace copysim::driver {

namespace detail {

class ConnectionImpl {
 public:
  ConnectionImpl(std::unique_ptr<Transport> t, std::string host)
      : transport(std::move(t)), host_name(std::move(host)) {}

  uint32_t submit(const wire::Request& q) {
    const uint32_t id = next_id++;
    transport->send(wire::encode_request(q, id));
    waiting.insert(id);
    return id;
  }
  void accept(wire::Frame f) {
    if (abandoned.erase(f.id) != 0) return;  // nobody waits for it any more
    if (waiting.erase(f.id) == 0) {
      throw Error(Status::protocol_error,
                  "a reply for request " + std::to_string(f.id) + ", which is not waiting");
    }
    replies.emplace(f.id, std::move(f));
  }
  wire::Frame wait(uint32_t id) {
    while (replies.count(id) == 0) accept(transport->receive());
    wire::Frame f = std::move(replies.at(id));
    replies.erase(id);
    return f;
  }
  bool ready(uint32_t id) {
    while (auto f = transport->try_receive()) accept(std::move(*f));
    return replies.count(id) != 0;
  }

  std::unique_ptr<Transport> transport;
  std::string host_name;
  uint32_t next_id = 1;
  std::set<uint32_t> waiting;
  std::set<uint32_t> abandoned;  // sent, then their Pending was dropped
  std::map<uint32_t, wire::Frame> replies;
  uint64_t last_event = 0;
};

class PendingCall {
 public:
  PendingCall(std::shared_ptr<ConnectionImpl> impl, uint32_t id, uint8_t type)
      : impl_(std::move(impl)), id_(id), type_(type) {}
  ~PendingCall() {
    if (reply_ || failure_ || id_ == 0) return;
    impl_->replies.erase(id_);
    if (impl_->waiting.erase(id_) != 0) impl_->abandoned.insert(id_);
  }
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;
  std::shared_ptr<ConnectionImpl> impl_;
  uint32_t id_;
  uint8_t type_;
  std::optional<wire::Frame> reply_;
  std::optional<Error> failure_;  // the transport failed
};

bool ready(const PendingCall& call) {
  if (call.reply_ || call.failure_) return true;
  auto& c = const_cast<PendingCall&>(call);
  try {
    if (!c.impl_->ready(c.id_)) return false;
    c.reply_ = c.impl_->wait(c.id_);
  } catch (const Error& e) {
    c.failure_ = e;  // wait() returns it
  }
  return true;
}

void wait(PendingCall& call) {
  if (call.reply_ || call.failure_) return;
  try {
    call.reply_ = call.impl_->wait(call.id_);
  } catch (const Error& e) {
    call.failure_ = e;
  }
}

}  // namespace detail

namespace {

using detail::PendingCall;

// Reads the reply's head; a status other than ok becomes the Error; `body`
// reads the rest.
template <typename T>
Result<T> decode(const PendingCall& call, const std::function<T(wire::Reader&)>& body) {
  if (call.failure_) return *call.failure_;
  const wire::Frame& f = *call.reply_;
  try {
    wire::Reader r(f.payload);
    const wire::ReplyHead head = wire::read_reply_head(r);
    if (f.type != (call.type_ | wire::kReplyBit) &&
        f.type != (uint8_t(wire::Type::error) | wire::kReplyBit)) {
      return Error(Status::protocol_error, "reply of type " + std::to_string(f.type) +
                                               " to a request of type " +
                                               std::to_string(call.type_));
    }
    if (head.status != 0) return Error(static_cast<Status>(head.status), head.message);
    T value = body(r);
    r.end("reply");
    return value;
  } catch (const wire::DecodeError& e) {
    return Error(Status::protocol_error, std::string("reply: ") + e.what());
  }
}

struct Nothing {};

Result<void> decode_void(const PendingCall& call) {
  auto r = decode<Nothing>(call, [](wire::Reader&) { return Nothing{}; });
  if (!r) return r.error();
  return {};
}

Result<std::vector<uint8_t>> decode_data(const PendingCall& call) {
  return decode<std::vector<uint8_t>>(call, [](wire::Reader& r) { return r.bytes("data"); });
}

// A command's reply: the controller's message.
Result<std::string> decode_message(const PendingCall& call) {
  if (call.failure_) return *call.failure_;
  auto r = decode<Nothing>(call, [](wire::Reader&) { return Nothing{}; });
  if (!r) return r.error();
  wire::Reader reader(call.reply_->payload);
  return wire::read_reply_head(reader).message;
}

Result<SimTime> decode_time(const PendingCall& call) {
  auto r = decode<Nothing>(call, [](wire::Reader&) { return Nothing{}; });
  if (!r) return r.error();
  wire::Reader reader(call.reply_->payload);
  return SimTime{wire::read_reply_head(reader).time_ps};
}

int connect_or_throw(int fd, const sockaddr* a, socklen_t n, const std::string& where) {
  if (fd < 0 || ::connect(fd, a, n) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw Error(Status::not_connected, "cannot connect to " + where + ": " + why);
  }
  return fd;
}

}  // namespace

Connection::Connection(std::shared_ptr<detail::ConnectionImpl> impl) : impl_(std::move(impl)) {}
std::shared_ptr<Connection> Connection::share() const {
  return std::shared_ptr<Connection>(new Connection(impl_));
}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

namespace {

// Says HELLO, so the array knows which host's ports the requests come on.
Result<void> say_hello(const std::shared_ptr<detail::ConnectionImpl>& impl) {
  wire::Request q;
  q.type = wire::Type::hello;
  q.host = impl->host_name;
  PendingCall call(impl, impl->submit(q), uint8_t(wire::Type::hello));
  detail::wait(call);
  auto r = decode<std::string>(call, [](wire::Reader& in) { return in.string("server"); });
  if (!r) return r.error();
  return {};
}

}  // namespace

Result<Connection> Connection::in_process(const std::string& topology_json,
                                          const std::string& host) {
  static bool made = false;  // SystemC elaborates once per process
  if (made) {
    return Error(Status::no_resources, "a process has one in-process connection");
  }
  made = true;
  try {
    auto impl =
        std::make_shared<detail::ConnectionImpl>(detail::in_process_transport(topology_json), host);
    if (auto r = say_hello(impl); !r) return r.error();
    return Connection(impl);
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    return Error(Status::bad_parameter, std::string("topology: ") + e.what());
  }
}

Result<Connection> Connection::unix_socket(const std::string& path, const std::string& host) {
  try {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) {
      return Error(Status::bad_parameter,
                   "socket path longer than " + std::to_string(sizeof a.sun_path - 1) + " bytes");
    }
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    const int fd = connect_or_throw(::socket(AF_UNIX, SOCK_STREAM, 0),
                                    reinterpret_cast<sockaddr*>(&a), sizeof a, path);
    auto impl = std::make_shared<detail::ConnectionImpl>(detail::socket_transport(fd), host);
    if (auto r = say_hello(impl); !r) return r.error();
    return Connection(impl);
  } catch (const Error& e) {
    return e;
  }
}

Result<Connection> Connection::tcp(const std::string& address, uint16_t port,
                                   const std::string& host) {
  try {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) {
      return Error(Status::bad_parameter, "not an IPv4 address: " + address);
    }
    const int fd =
        connect_or_throw(::socket(AF_INET, SOCK_STREAM, 0), reinterpret_cast<sockaddr*>(&a),
                         sizeof a, address + ":" + std::to_string(port));
    auto impl = std::make_shared<detail::ConnectionImpl>(detail::socket_transport(fd), host);
    if (auto r = say_hello(impl); !r) return r.error();
    return Connection(impl);
  } catch (const Error& e) {
    return e;
  }
}

const std::string& Connection::host() const { return impl_->host_name; }

namespace {

// Sends `q` and returns the call; a transport failure is kept in the call.
std::shared_ptr<PendingCall> start(const std::shared_ptr<detail::ConnectionImpl>& impl,
                                   const wire::Request& q) {
  try {
    return std::make_shared<PendingCall>(impl, impl->submit(q), uint8_t(q.type));
  } catch (const Error& e) {
    auto call = std::make_shared<PendingCall>(impl, 0, uint8_t(q.type));
    call->failure_ = e;
    return call;
  }
}

template <typename T>
Result<T> finish(const std::shared_ptr<PendingCall>& call,
                 Result<T> (*decode)(const PendingCall&)) {
  detail::wait(*call);
  return decode(*call);
}

wire::Request io(wire::Type type, const std::string& array, uint16_t device, uint64_t block,
                 uint32_t count) {
  wire::Request q;
  q.type = type;
  q.array = array;
  q.device = device;
  q.block = block;
  q.count = count;
  return q;
}

std::vector<uint8_t> encode_block(const CommandBlock& b) {
  wire::Writer w;
  w.u16(b.code).u16(b.primary).u16(b.secondary).u16(0);
  for (uint64_t p : b.parameters) w.u64(p);
  return w.take();
}

}  // namespace

Result<SimTime> Connection::now() {
  wire::Request q;
  q.type = wire::Type::now;
  return finish(start(impl_, q), decode_time);
}

Result<SimTime> Connection::advance(SimTime by) {
  wire::Request q;
  q.type = wire::Type::advance;
  q.ps = by.ps;
  return finish(start(impl_, q), decode_time);
}

Result<std::vector<VolumeInfo>> Connection::volumes() {
  wire::Request q;
  q.type = wire::Type::volumes;
  auto call = start(impl_, q);
  detail::wait(*call);
  return decode<std::vector<VolumeInfo>>(*call, [](wire::Reader& r) {
    std::vector<VolumeInfo> v(r.u32("volume count"));
    for (auto& i : v) {
      i.array = r.string("array");
      i.device = r.u16("device");
      i.blocks = r.u64("blocks");
      i.blocks_per_track = r.u32("blocks per track");
    }
    return v;
  });
}

Pending<void> Connection::write_async(const std::string& array, uint16_t device, uint64_t block,
                                      std::span<const uint8_t> data) {
  if (data.size() % 512 != 0 || data.empty() || data.size() / 512 > wire::kMaxBlocks) {
    auto call = std::make_shared<PendingCall>(impl_, 0, uint8_t(wire::Type::write));
    call->failure_ = Error(Status::bad_buffer,
                           "write data of " + std::to_string(data.size()) + " bytes is not 1 to " +
                               std::to_string(wire::kMaxBlocks) + " whole 512-byte blocks");
    return {call, decode_void};
  }
  wire::Request q =
      io(wire::Type::write, array, device, block, static_cast<uint32_t>(data.size() / 512));
  q.data.assign(data.begin(), data.end());
  return {start(impl_, q), decode_void};
}

namespace {

// The blocks per track of a volume this host sees.
Result<uint32_t> track_blocks(Connection& c, const std::string& array, uint16_t device) {
  auto volumes = c.volumes();
  if (!volumes) return volumes.error();
  for (const VolumeInfo& v : *volumes) {
    if (v.array == array && v.device == device) return v.blocks_per_track;
  }
  return Error(Status::no_such_volume,
               "host " + c.host() + " sees no volume " + std::to_string(device) + " on " + array);
}

}  // namespace

Result<void> Connection::write_track(const std::string& array, uint16_t device, uint64_t track,
                                     std::span<const uint8_t> data) {
  auto bpt = track_blocks(*this, array, device);
  if (!bpt) return bpt.error();
  if (data.size() != std::size_t{*bpt} * 512) {
    return Error(Status::bad_buffer, "a track of this volume is " + std::to_string(*bpt * 512) +
                                         " bytes, not " + std::to_string(data.size()));
  }
  return write(array, device, track * *bpt, data);
}

Result<std::vector<uint8_t>> Connection::read_track(const std::string& array, uint16_t device,
                                                    uint64_t track) {
  auto bpt = track_blocks(*this, array, device);
  if (!bpt) return bpt.error();
  return read(array, device, track * *bpt, *bpt);
}

Result<void> Connection::write(const std::string& array, uint16_t device, uint64_t block,
                               std::span<const uint8_t> data) {
  return write_async(array, device, block, data).wait();
}

Pending<std::vector<uint8_t>> Connection::read_async(const std::string& array, uint16_t device,
                                                     uint64_t block, uint32_t blocks) {
  if (blocks == 0 || blocks > wire::kMaxBlocks) {
    auto call = std::make_shared<PendingCall>(impl_, 0, uint8_t(wire::Type::read));
    call->failure_ =
        Error(Status::bad_buffer, "a read is 1 to " + std::to_string(wire::kMaxBlocks) + " blocks");
    return {call, decode_data};
  }
  return {start(impl_, io(wire::Type::read, array, device, block, blocks)), decode_data};
}

Result<std::vector<uint8_t>> Connection::read(const std::string& array, uint16_t device,
                                              uint64_t block, uint32_t blocks) {
  return read_async(array, device, block, blocks).wait();
}

Pending<std::string> Connection::command_async(const std::string& array,
                                               const CommandBlock& block) {
  wire::Request q;
  q.type = wire::Type::command;
  q.array = array;
  q.data = encode_block(block);
  return {start(impl_, q), decode_message};
}

Result<std::string> Connection::command(const std::string& array, const CommandBlock& block) {
  return command_async(array, block).wait();
}

namespace {

// A STATE or HISTORY request about one pair or session.
wire::Request about(wire::Type type, const std::string& array, Service service, uint16_t source,
                    uint16_t target) {
  wire::Request q;
  q.type = type;
  q.array = array;
  q.service = service;
  q.device = source;
  q.target = target;
  return q;
}

// A STATE reply's body: the state, and the latest event's sequence.
std::pair<std::string, uint64_t> read_state(wire::Reader& r) {
  std::string state = r.string("state");
  return {state, r.u64("latest event")};
}

}  // namespace

Result<std::string> Connection::state(const std::string& array, Service service, uint16_t source,
                                      uint16_t target) {
  auto call = start(impl_, about(wire::Type::state, array, service, source, target));
  detail::wait(*call);
  auto st = decode<std::pair<std::string, uint64_t>>(*call, read_state);
  if (!st) return st.error();
  return st->first;
}

Result<std::vector<Event>> Connection::history(const std::string& array, Service service,
                                               uint16_t source, uint16_t target) {
  auto call = start(impl_, about(wire::Type::history, array, service, source, target));
  detail::wait(*call);
  return decode<std::vector<Event>>(*call, [](wire::Reader& r) {
    std::vector<Event> v(r.u32("event count"));
    for (auto& e : v) e = wire::get_event(r);
    return v;
  });
}

Result<std::string> Connection::statistics(const std::string& array) {
  wire::Request q;
  q.type = wire::Type::statistics;
  q.array = array;
  auto call = start(impl_, q);
  detail::wait(*call);
  return decode<std::string>(*call, [](wire::Reader& r) {
    const auto b = r.bytes("statistics");
    return std::string(b.begin(), b.end());
  });
}

Result<Event> Connection::next_event(SimTime timeout) {
  wire::Request q;
  q.type = wire::Type::next_event;
  q.after = impl_->last_event;
  q.ps = timeout.ps;
  auto call = start(impl_, q);
  detail::wait(*call);
  auto e = decode<Event>(*call, [](wire::Reader& r) { return wire::get_event(r); });
  if (e) impl_->last_event = e->sequence;
  return e;
}

// With its own cursor, from the latest event at the first look: the
// connection's own next_event() stream is left as it was.
Result<void> Connection::wait_state(const std::string& array, Service service, uint16_t source,
                                    uint16_t target, const std::string& want, SimTime timeout) {
  auto t0 = now();
  if (!t0) return t0.error();
  const uint64_t deadline = t0->ps > UINT64_MAX - timeout.ps ? UINT64_MAX : t0->ps + timeout.ps;
  std::optional<uint64_t> cursor;
  for (;;) {
    auto call = start(impl_, about(wire::Type::state, array, service, source, target));
    detail::wait(*call);
    auto st = decode<std::pair<std::string, uint64_t>>(*call, read_state);
    if (!st) return st.error();
    if (st->first == want) return {};
    if (!cursor) cursor = st->second;
    auto t = now();
    if (!t) return t.error();
    if (t->ps >= deadline) {
      return Error(Status::timed_out, std::string(to_string(service)) + " is " + st->first +
                                          ", not " + want + ", after " +
                                          std::to_string(timeout.us()) + " us");
    }
    wire::Request e;
    e.type = wire::Type::next_event;
    e.after = *cursor;
    e.ps = std::min<uint64_t>(deadline - t->ps, wire::kMaxWaitPs);
    auto next = start(impl_, e);
    detail::wait(*next);
    auto ev = decode<Event>(*next, [](wire::Reader& r) { return wire::get_event(r); });
    if (ev) {
      cursor = ev->sequence;
    } else if (ev.status() != Status::timed_out) {
      return ev.error();
    }
  }
}

LocalPairs Connection::local_pairs(const std::string& array) { return LocalPairs(*this, array); }
Clones Connection::clones(const std::string& array) { return Clones(*this, array); }
RemoteCopy Connection::remote_copy(const std::string& array) { return RemoteCopy(*this, array); }

}  // namespace copysim::driver
