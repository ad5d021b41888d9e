// The dispatcher: a ready queue of TCBs that the modeled processors take
// work from. A processor runs a TCB until it suspends: on compute() it
// charges the cycles and runs it again; on a wait for hardware or another
// TCB it puts it aside and takes the next one (docs/FIRMWARE.md).
#pragma once

#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "firmware/hal/hardware.h"
#include "firmware/runtime/tcb.h"

namespace copysim::fw {

struct DispatcherStats {
  uint64_t runs = 0;  // TCB switches: a processor took a ready TCB
  uint64_t compute_cycles = 0;
  uint64_t finished = 0;
};

class Dispatcher final : public Firmware {
 public:
  explicit Dispatcher(Hardware& hardware, uint64_t dispatch_cycles = 200);

  Hardware& hardware() { return hardware_; }

  // Gives `body` to a free TCB and makes it ready. The TCB returns to its
  // pool when the body ends.
  void start(Tcb& tcb, Task body);
  // A waiting TCB can run again.
  void make_ready(Tcb& tcb);
  // The TCB the calling coroutine runs on (valid only inside run()).
  static Tcb& current();

  int64_t next_ready() override;
  Step run(int64_t handle) override;
  uint64_t dispatch_cycles() const override { return dispatch_cycles_; }

  const DispatcherStats& stats() const { return stats_; }
  std::size_t ready_count() const { return ready_.size(); }

 private:
  friend class TcbPool;
  int64_t enroll(Tcb& tcb);

  Hardware& hardware_;
  uint64_t dispatch_cycles_;
  std::vector<Tcb*> tcbs_;  // by handle
  std::deque<Tcb*> ready_;
  DispatcherStats stats_;
};

// co_await compute(n): the running TCB keeps its processor for n cycles.
struct compute {
  uint64_t cycles;
  bool await_ready() const noexcept { return cycles == 0; }
  void await_suspend(std::coroutine_handle<>) const noexcept {
    Tcb& tcb = Dispatcher::current();
    tcb.compute_pending = true;
    tcb.compute_cycles = cycles;
  }
  void await_resume() const noexcept {}
};

// A condition TCBs wait on: notify_all() makes every waiter ready.
class Event {
 public:
  explicit Event(Dispatcher& dispatcher) : dispatcher_(dispatcher) {}
  struct Awaiter {
    Event& event;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) {
      event.waiters_.push_back(&Dispatcher::current());
    }
    void await_resume() const noexcept {}
  };
  Awaiter wait() { return Awaiter{*this}; }
  void notify_all();

 private:
  Dispatcher& dispatcher_;
  std::vector<Tcb*> waiters_;
};

// co_await send_track(dispatcher, request): the TCB waits, off its
// processor, until the hardware has sent the track.
struct send_track {
  Dispatcher& dispatcher;
  TrackSend request;
  SendResult result{};
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) {
    Tcb* tcb = &Dispatcher::current();
    dispatcher.hardware().send_track(request, [this, tcb](const SendResult& r) {
      result = r;
      dispatcher.make_ready(*tcb);
    });
  }
  SendResult await_resume() const { return result; }
};

// co_await hardware_call<T>{dispatcher, start}: `start(done)` begins an
// asynchronous hardware operation that calls done(T) later in simulated
// time; the TCB waits off its processor and resumes with the T.
template <typename T>
struct hardware_call {
  Dispatcher& dispatcher;
  std::function<void(std::function<void(T)>)> start;
  T result{};
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) {
    Tcb* tcb = &Dispatcher::current();
    start([this, tcb](T r) {
      result = std::move(r);
      dispatcher.make_ready(*tcb);
    });
  }
  T await_resume() { return std::move(result); }
};

}  // namespace copysim::fw
