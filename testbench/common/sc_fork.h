// One topology per process: SystemC elaborates once per process, so a test
// that needs its own platform builds and simulates it in a forked child and
// hands back what it measured as text (usually JSON). The parent never
// elaborates anything.
#pragma once

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace copysim::testing {

// Runs `body` in a child process and returns its result; throws with the
// child's error message if it threw or died.
inline std::string run_forked(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // The test framework's signal handlers would turn a crash here into a
    // failed test and carry on running the suite inside the child.
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
    close(fds[0]);
    std::string out;
    int code = 0;
    try {
      out = body();
    } catch (const std::exception& e) {
      out = e.what();
      code = 1;
    } catch (...) {
      out = "unknown exception";
      code = 1;
    }
    for (std::size_t done = 0; done < out.size();) {
      const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    std::fflush(nullptr);
    _exit(code);  // skip the exit handlers of the simulation kernel
  }
  close(fds[1]);
  std::string out;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) {
    throw std::runtime_error("simulation child died with signal " +
                             std::to_string(WTERMSIG(status)));
  }
  if (WEXITSTATUS(status) != 0) throw std::runtime_error("simulation child failed: " + out);
  return out;
}

}  // namespace copysim::testing
