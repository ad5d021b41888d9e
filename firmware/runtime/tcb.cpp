#include "firmware/runtime/tcb.h"

#include <stdexcept>

#include "firmware/runtime/dispatcher.h"

namespace copysim::fw {

TcbPool::TcbPool(Dispatcher& dispatcher, std::string name, uint32_t capacity, uint32_t tcb_bytes)
    : dispatcher_(dispatcher), name_(std::move(name)), bytes_(uint64_t{capacity} * tcb_bytes) {
  if (!dispatcher.hardware().allocate_control_store("TCB pool " + name_, bytes_)) {
    throw std::length_error("TCB pool " + name_ + ": " + std::to_string(capacity) + " TCBs of " +
                            std::to_string(tcb_bytes) + " bytes do not fit in the control store");
  }
  for (uint32_t i = 0; i < capacity; ++i) {
    Tcb& tcb = tcbs_.emplace_back();
    tcb.pool = this;
    tcb.handle = dispatcher.enroll(tcb);
  }
  for (auto it = tcbs_.rbegin(); it != tcbs_.rend(); ++it) free_.push_back(&*it);
}

TcbPool::~TcbPool() { dispatcher_.hardware().release_control_store("TCB pool " + name_, bytes_); }

Tcb* TcbPool::allocate() {
  if (free_.empty()) {
    ++stats_.failures;
    return nullptr;
  }
  Tcb* tcb = free_.back();
  free_.pop_back();
  ++stats_.allocations;
  if (in_use() > stats_.peak_in_use) stats_.peak_in_use = in_use();
  return tcb;
}

void TcbPool::release(Tcb& tcb) {
  if (tcb.pool != this || tcb.state != TcbState::free) {
    throw std::logic_error("TCB pool " + name_ + ": release of a TCB that is not free");
  }
  tcb.body.reset();
  free_.push_back(&tcb);
}

}  // namespace copysim::fw
