// A TCB's body is a C++20 coroutine (docs/FIRMWARE.md says why): it runs on
// a processor until it waits for hardware or another TCB, and then costs
// nothing but its frame, so thousands can be in flight.
#pragma once

#include <coroutine>
#include <exception>
#include <utility>

namespace copysim::fw {

class Task {
 public:
  struct promise_type {
    std::exception_ptr error;
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  Task() = default;
  explicit Task(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  bool valid() const { return handle_ != nullptr; }
  bool done() const { return handle_.done(); }
  void resume() { handle_.resume(); }
  std::exception_ptr error() const { return handle_.promise().error; }
  void reset() {
    if (handle_) handle_.destroy();
    handle_ = nullptr;
  }

 private:
  std::coroutine_handle<promise_type> handle_;
};

}  // namespace copysim::fw
