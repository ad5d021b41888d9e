// `copysim serve` under load and under bad input: 64 connections at once,
// every request answered exactly once and the final state as the reference
// says; and whatever a client sends (truncated frames, wrong lengths,
// unknown types, wrong versions, disconnecting mid-command), an error reply
// or a closed connection, with the server alive and nothing changed.
#include <boost/test/unit_test.hpp>

#include <copysim/driver.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "driver/src/wire.h"
#include "testbench/driver/server_process.h"

using namespace copysim::driver;
using copysim::testing::ServerProcess;

namespace {

const std::string kManyClients = COPYSIM_SOURCE_DIR "/testbench/driver/many_clients.json";
const std::string kTwoArrays = COPYSIM_SOURCE_DIR "/driver/examples/two_arrays.json";

std::vector<uint8_t> pattern(uint32_t blocks, uint32_t seed) {
  std::vector<uint8_t> d(blocks * 512);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(i * 13 + seed * 7 + 1);
  return d;
}

// A reply frame from a raw socket, or nothing once the server closed it.
std::optional<wire::Frame> read_reply(int fd) {
  timeval tv{60, 0};  // a hung server fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  uint8_t head[wire::kHeaderBytes];
  std::size_t got = 0;
  while (got < sizeof head) {
    const ssize_t k = ::recv(fd, head + got, sizeof head - got, 0);
    if (k <= 0) return std::nullopt;
    got += static_cast<std::size_t>(k);
  }
  const auto h = wire::peek_header(head);
  wire::Frame f{h->type, h->id, std::vector<uint8_t>(h->length)};
  got = 0;
  while (got < f.payload.size()) {
    const ssize_t k = ::recv(fd, f.payload.data() + got, f.payload.size() - got, 0);
    if (k <= 0) return std::nullopt;
    got += static_cast<std::size_t>(k);
  }
  return f;
}

uint16_t status_of(const wire::Frame& f) {
  wire::Reader r(f.payload);
  return wire::read_reply_head(r).status;
}

void send_bytes(int fd, const std::vector<uint8_t>& b) {
  ::send(fd, b.data(), b.size(), MSG_NOSIGNAL);
}

std::vector<uint8_t> frame(wire::Type type, uint32_t id, std::vector<uint8_t> payload) {
  return wire::encode({static_cast<uint8_t>(type), id, std::move(payload)});
}

std::vector<uint8_t> hello(const std::string& host) {
  wire::Writer w;
  w.string(host);
  return frame(wire::Type::hello, 1, w.take());
}

}  // namespace

BOOST_AUTO_TEST_CASE(sixty_four_clients_get_every_reply_once_and_the_expected_state) {
  ServerProcess server(kManyClients, "many");
  constexpr int kClients = 64;
  std::vector<std::string> errors(kClients);
  std::vector<int> answered(kClients, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto c = Connection::unix_socket(server.socket(), "load").value();
        const auto v = static_cast<uint16_t>(0x1000 + 2 * i);
        const auto s = static_cast<uint16_t>(v + 1);
        const auto data = pattern(32, static_cast<uint32_t>(i));
        auto check = [&](bool ok, const std::string& what) {
          ++answered[i];
          if (!ok && errors[i].empty()) errors[i] = what;
        };
        for (uint64_t b = 0; b < 256; b += 32) check(c.write("array", v, b, data).ok(), "write");
        check(c.read("array", v, 64, 32).value() == data, "read back");
        LocalPairs pairs = c.local_pairs("array");
        check(pairs.create(v, s, Pace::fast).ok(), "create");
        check(pairs.split(v, s).ok(), "split");
        check(pairs.wait_state(v, s, "copied", SimTime::from_s(60)).ok(), "wait copied");
        check(c.read("array", s, 224, 32).value() == data, "secondary");
        const auto refused = c.clones("array").activate(v, s);
        check(refused.status() == Status::invalid_state, "activate without a session");
        auto a = c.command_async("array", {0x0999, 0, 0, {}});
        auto b = c.read_async("array", s, 0, 32);
        check(a.wait().status() == Status::unknown_command, "unknown command");
        check(b.wait().value() == data, "async read");
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    BOOST_TEST_CONTEXT("client " << i) {
      BOOST_TEST(errors[i] == "");
      BOOST_TEST(answered[i] == 16);
    }
  }
  // The reference: every client's pair copied, its secondary its data.
  auto c = Connection::unix_socket(server.socket(), "load").value();
  int copied = 0;
  for (int i = 0; i < kClients; ++i) {
    const auto v = static_cast<uint16_t>(0x1000 + 2 * i);
    copied += c.local_pairs("array").state(v, static_cast<uint16_t>(v + 1)).value() == "copied";
  }
  BOOST_TEST(copied == kClients);
}

BOOST_AUTO_TEST_CASE(the_server_survives_bad_input_and_changes_nothing) {
  ServerProcess server(kTwoArrays, "bad");
  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    bool needs_hello;
    std::optional<uint16_t> status;  // the reply's status; none: no reply expected
    bool closes;                     // the server closes the connection after it
  };
  wire::Writer short_write;
  short_write.string("primary").u16(0x1000).u64(0).u32(2).bytes(std::vector<uint8_t>(512));
  wire::Writer short_command;
  short_command.string("primary").raw(std::vector<uint8_t>(10));
  wire::Writer trailing;
  trailing.u64(5).u8(0);
  auto bad_magic = frame(wire::Type::now, 3, {});
  bad_magic[0] = 'X';
  auto bad_version = frame(wire::Type::now, 3, {});
  bad_version[2] = 9;
  wire::Writer forever;
  forever.u64(wire::kMaxWaitPs + 1);
  auto too_long = frame(wire::Type::now, 3, {});
  too_long[8] = 0x7f;
  const uint16_t protocol = uint16_t(Status::protocol_error);
  const std::vector<Case> cases = {
      {"request before HELLO", frame(wire::Type::now, 2, {}), false, protocol, false},
      {"HELLO from no such host", hello("nobody"), false, uint16_t(Status::not_a_host), false},
      {"unknown request type", frame(static_cast<wire::Type>(0x55), 2, {}), true, protocol, false},
      {"write with the wrong data length", frame(wire::Type::write, 2, short_write.take()), true,
       protocol, false},
      {"truncated command block", frame(wire::Type::command, 2, short_command.take()), true,
       protocol, false},
      {"bytes left over", frame(wire::Type::advance, 2, trailing.take()), true, protocol, false},
      {"a second HELLO", hello("app"), true, protocol, false},
      {"ADVANCE beyond 10^17 ps", frame(wire::Type::advance, 2, forever.take()), true, protocol,
       false},
      {"wrong magic", bad_magic, true, protocol, true},
      {"wrong version", bad_version, true, protocol, true},
      {"length over the limit", too_long, true, protocol, true},
      {"truncated frame, then gone",
       std::vector<uint8_t>(bad_magic.begin() + 0, bad_magic.begin() + 7), true, std::nullopt,
       false},
  };
  for (const Case& k : cases) {
    BOOST_TEST_CONTEXT(k.name) {
      const int fd = server.raw_connect();
      BOOST_REQUIRE(fd >= 0);
      if (k.needs_hello) {
        send_bytes(fd, hello("app"));
        const auto h = read_reply(fd);
        BOOST_REQUIRE(h.has_value());
        BOOST_TEST(status_of(*h) == 0);
      }
      send_bytes(fd, k.bytes);
      if (k.status) {
        const auto r = read_reply(fd);
        BOOST_REQUIRE(r.has_value());
        BOOST_TEST(status_of(*r) == *k.status);
        if (k.closes) {
          BOOST_TEST(!read_reply(fd).has_value());  // closed
        } else {
          // Still usable: NOW answers.
          send_bytes(fd, frame(wire::Type::now, 9, {}));
          const auto now = read_reply(fd);
          BOOST_REQUIRE(now.has_value());
          BOOST_TEST(now->id == 9u);
        }
      }
      ::close(fd);
      BOOST_TEST(server.alive());
    }
  }
  // A client that goes away in the middle of a command.
  {
    const int fd = server.raw_connect();
    send_bytes(fd, hello("app"));
    read_reply(fd);
    wire::Writer w;
    w.u64(1'000'000'000'000);  // one simulated second
    send_bytes(fd, frame(wire::Type::advance, 2, w.take()));
    ::close(fd);
  }
  // Nothing changed, and the server still serves.
  auto c = Connection::unix_socket(server.socket(), "app").value();
  BOOST_TEST(c.local_pairs("primary").state(0x1000, 0x1001).value() == "no pair");
  BOOST_TEST(c.read("primary", 0x1000, 0, 1).value() == std::vector<uint8_t>(512, 0));
  BOOST_TEST(c.volumes().value().size() == 4u);
  BOOST_TEST(server.alive());
}
