#include "firmware/runtime/dispatcher.h"

#include <stdexcept>

namespace copysim::fw {
namespace {

Tcb* g_current = nullptr;

}  // namespace

Dispatcher::Dispatcher(Hardware& hardware, uint64_t dispatch_cycles)
    : hardware_(hardware), dispatch_cycles_(dispatch_cycles) {}

int64_t Dispatcher::enroll(Tcb& tcb) {
  tcbs_.push_back(&tcb);
  return static_cast<int64_t>(tcbs_.size() - 1);
}

Tcb& Dispatcher::current() {
  if (g_current == nullptr) throw std::logic_error("no TCB is running");
  return *g_current;
}

void Dispatcher::start(Tcb& tcb, Task body) {
  if (tcb.state != TcbState::free || tcb.body.valid()) {
    throw std::logic_error("start on a TCB that is already in use");
  }
  tcb.body = std::move(body);
  tcb.state = TcbState::ready;
  ready_.push_back(&tcb);
  hardware_.work_available();
}

void Dispatcher::make_ready(Tcb& tcb) {
  if (tcb.state != TcbState::waiting) {
    throw std::logic_error("make_ready on a TCB that is not waiting");
  }
  tcb.state = TcbState::ready;
  ready_.push_back(&tcb);
  hardware_.work_available();
}

int64_t Dispatcher::next_ready() {
  if (ready_.empty()) return -1;
  Tcb* tcb = ready_.front();
  ready_.pop_front();
  tcb->state = TcbState::running;
  ++stats_.runs;
  return tcb->handle;
}

Step Dispatcher::run(int64_t handle) {
  Tcb& tcb = *tcbs_.at(static_cast<std::size_t>(handle));
  if (tcb.state != TcbState::running) throw std::logic_error("run of a TCB not taken to run");
  tcb.compute_pending = false;
  Tcb* outer = g_current;
  g_current = &tcb;
  tcb.body.resume();
  g_current = outer;
  if (tcb.body.done()) {
    const std::exception_ptr error = tcb.body.error();
    tcb.state = TcbState::free;
    tcb.pool->release(tcb);
    ++stats_.finished;
    if (error) std::rethrow_exception(error);  // a firmware bug: stop the run
    return {Step::finished, 0};
  }
  if (tcb.compute_pending) {
    stats_.compute_cycles += tcb.compute_cycles;
    return {Step::compute, tcb.compute_cycles};
  }
  tcb.state = TcbState::waiting;
  return {Step::blocked, 0};
}

void Event::notify_all() {
  std::vector<Tcb*> waiters;
  waiters.swap(waiters_);
  for (Tcb* tcb : waiters) dispatcher_.make_ready(*tcb);
}

}  // namespace copysim::fw
