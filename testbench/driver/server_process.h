// A `copysim serve` in a child process for the socket tests: started on a
// topology file and a fresh socket path, stopped (SIGTERM) when it goes out
// of scope.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace copysim::testing {

class ServerProcess {
 public:
  ServerProcess(const std::string& topology_file, const std::string& name)
      : socket_("/tmp/copysim-" + std::to_string(::getpid()) + "-" + name + ".sock") {
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      std::freopen("/dev/null", "w", stdout);
      ::execl(COPYSIM_BINARY, "copysim", "serve", topology_file.c_str(), "--socket",
              socket_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready once it accepts a connection (it may take a moment to elaborate).
    for (int attempt = 0;; ++attempt) {
      if (connectable()) break;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        throw std::runtime_error("copysim serve exited before listening");
      }
      if (attempt > 3000) throw std::runtime_error("copysim serve never listened");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~ServerProcess() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& socket() const { return socket_; }
  bool alive() const {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }
  // A raw connected socket (for the bad-input tests), or -1.
  int raw_connect() const {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, socket_.c_str(), socket_.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

 private:
  bool connectable() const {
    const int fd = raw_connect();
    if (fd < 0) return false;
    ::close(fd);
    return true;
  }
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace copysim::testing
