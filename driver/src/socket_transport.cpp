// The socket transport: frames over a connected stream socket (Unix domain
// or TCP) to `copysim serve`.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "copysim/driver/result.h"
#include "driver/src/transport.h"

namespace copysim::driver::detail {

namespace {

class Socket final : public Transport {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() override { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  void send(const wire::Frame& frame) override {
    const std::vector<uint8_t> bytes = wire::encode(frame);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) gone("sending");
      done += static_cast<std::size_t>(n);
    }
  }
  wire::Frame receive() override {
    uint8_t head[wire::kHeaderBytes];
    read_all(head, sizeof head);
    std::optional<wire::Header> h;
    try {
      h = wire::peek_header(head);
    } catch (const wire::DecodeError& e) {
      throw Error(Status::protocol_error, std::string("reply: ") + e.what());
    }
    wire::Frame f{h->type, h->id, std::vector<uint8_t>(h->length)};
    read_all(f.payload.data(), f.payload.size());
    return f;
  }
  std::optional<wire::Frame> try_receive() override {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return std::nullopt;
    return receive();
  }

 private:
  [[noreturn]] void gone(const char* doing) {
    throw Error(Status::not_connected, std::string("connection to copysim serve lost while ") +
                                           doing + ": " +
                                           (errno != 0 ? std::strerror(errno) : "closed"));
  }
  void read_all(uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      errno = 0;
      const ssize_t k = ::recv(fd_, out + done, n - done, 0);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) gone("receiving");
      done += static_cast<std::size_t>(k);
    }
  }
  int fd_;
};

}  // namespace

std::unique_ptr<Transport> socket_transport(int fd) { return std::make_unique<Socket>(fd); }

}  // namespace copysim::driver::detail
