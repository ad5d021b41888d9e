#include "driver/engine/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

namespace copysim::engine {

namespace wire = driver::wire;

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

int listen_unix(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) {
    throw std::runtime_error("socket path longer than " + std::to_string(sizeof a.sun_path - 1) +
                             " bytes: " + path);
  }
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd, 128) != 0) {
    fail("cannot listen on " + path);
  }
  return fd;
}

int listen_tcp(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd, 128) != 0) {
    fail("cannot listen on 127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

// Replies waiting to go to a client past which the server stops reading
// its requests, and the most clients at once.
constexpr std::size_t kOutputHighWater = 64u << 20;
constexpr std::size_t kMaxClients = 1024;

// One client connection: bytes in, frames to the engine, replies out.
struct Client {
  int fd = -1;
  uint64_t session = 0;
  std::vector<uint8_t> in;
  std::vector<uint8_t> out;
  bool closing = false;  // flush `out`, then close
};

}  // namespace

void serve(Engine& engine, const ServeOptions& options, const std::atomic<bool>& stop) {
  std::vector<int> listeners{listen_unix(options.socket_path)};
  if (options.tcp_port != 0) listeners.push_back(listen_tcp(options.tcp_port));
  for (int l : listeners) ::fcntl(l, F_SETFL, O_NONBLOCK);
  std::map<int, std::unique_ptr<Client>> clients;

  auto drop = [&](int fd) {
    engine.close(clients.at(fd)->session);
    ::close(fd);
    clients.erase(fd);
  };
  // Reads what the client sent; complete frames go to the engine. A header
  // that is not a copysim frame of this version gets an error reply and the
  // connection is closed: its byte stream can no longer be trusted.
  auto take_frames = [&](Client& c) {
    std::size_t at = 0;
    while (!c.closing) {
      std::optional<wire::Header> h;
      try {
        h = wire::peek_header(std::span(c.in).subspan(at));
      } catch (const wire::DecodeError& e) {
        const auto reply =
            wire::encode(wire::make_reply(uint8_t(wire::Type::error), 0,
                                          {uint16_t(driver::Status::protocol_error), 0, e.what()}));
        c.out.insert(c.out.end(), reply.begin(), reply.end());
        c.closing = true;
        break;
      }
      if (!h || c.in.size() - at < wire::kHeaderBytes + h->length) break;
      wire::Frame f{h->type,
                    h->id,
                    {c.in.begin() + std::ptrdiff_t(at + wire::kHeaderBytes),
                     c.in.begin() + std::ptrdiff_t(at + wire::kHeaderBytes + h->length)}};
      at += wire::kHeaderBytes + h->length;
      engine.receive(c.session, f);
    }
    c.in.erase(c.in.begin(), c.in.begin() + std::ptrdiff_t(at));
  };

  bool idle = true;               // the simulation had nothing to do last time
  bool accepting_paused = false;  // accept() failed (out of descriptors): breathe
  while (!stop) {
    std::vector<pollfd> fds;
    if (!accepting_paused && clients.size() < kMaxClients) {
      for (int l : listeners) fds.push_back({l, POLLIN, 0});
    }
    accepting_paused = false;
    for (auto& [fd, c] : clients) {
      // A client that does not read its replies is not read from either.
      const bool reading = !c->closing && c->out.size() < kOutputHighWater;
      const int events = (reading ? POLLIN : 0) | (c->out.empty() ? 0 : POLLOUT);
      fds.push_back({fd, static_cast<short>(events), 0});
    }
    // While requests are outstanding the simulation runs between polls.
    const int timeout_ms = engine.outstanding() > 0 && !idle ? 0 : 100;
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) fail("poll");
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (std::find(listeners.begin(), listeners.end(), p.fd) != listeners.end()) {
        const int fd = ::accept(p.fd, nullptr, nullptr);
        if (fd < 0) {
          accepting_paused = errno != EAGAIN && errno != EINTR;
          continue;
        }
        ::fcntl(fd, F_SETFL, O_NONBLOCK);
        auto c = std::make_unique<Client>();
        c->fd = fd;
        Client* raw = c.get();
        c->session = engine.open([raw](wire::Frame f) {
          const auto bytes = wire::encode(f);
          raw->out.insert(raw->out.end(), bytes.begin(), bytes.end());
        });
        clients.emplace(fd, std::move(c));
        continue;
      }
      auto it = clients.find(p.fd);
      if (it == clients.end()) continue;
      Client& c = *it->second;
      if (p.revents & POLLOUT) {
        const ssize_t k = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (k > 0) c.out.erase(c.out.begin(), c.out.begin() + k);
        if (k < 0 && errno != EAGAIN && errno != EINTR) {
          drop(p.fd);
          continue;
        }
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        uint8_t buf[65536];
        const ssize_t k = ::recv(c.fd, buf, sizeof buf, 0);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
          drop(p.fd);  // gone, perhaps mid-command: its replies are dropped
          continue;
        }
        if (k > 0) {
          c.in.insert(c.in.end(), buf, buf + k);
          take_frames(c);
        }
      }
      if (c.closing && c.out.empty()) drop(p.fd);
    }
    // A burst of steps between polls, until a reply is ready to go out.
    std::size_t waiting_output = 0;
    for (auto& [fd, c] : clients) waiting_output += c->out.size();
    idle = engine.outstanding() == 0;
    for (int k = 0; k < 4096 && engine.outstanding() > 0; ++k) {
      if (!engine.step()) {
        idle = true;  // requests that wait on nothing the simulation will do
        break;
      }
      std::size_t now_waiting = 0;
      for (auto& [fd, c] : clients) now_waiting += c->out.size();
      if (now_waiting != waiting_output) break;
    }
  }
  for (auto& [fd, c] : clients) ::close(fd);
  for (int l : listeners) ::close(l);
  ::unlink(options.socket_path.c_str());
}

}  // namespace copysim::engine
