// Runs a design and its reference model side by side on the same inputs and
// stops at the first cycle where any output differs (MatchLib's reference
// model beside the design). Outputs are compared where they are meaningful:
// data and flags only while out_valid, status only while sts_valid.
#pragma once

#include <cstdint>
#include <string>

#include "rtl/drr/drr_pins.h"

namespace copysim::drr {

// Empty when `a` and `b` agree; otherwise the first differing pin.
std::string compare_outputs(const DrrOutputs& a, const DrrOutputs& b);

class DrrLockstep final : public DrrPins {
 public:
  // Both must outlive the lockstep and have the same data width.
  DrrLockstep(DrrPins& design, DrrPins& reference);

  unsigned data_bytes() const override { return design_.data_bytes(); }
  // Returns the design's outputs; throws std::logic_error naming the cycle
  // and the pin at the first mismatch.
  DrrOutputs evaluate(const DrrInputs& in) override;
  void clock_edge() override;
  uint64_t cycles_compared() const { return cycle_; }

 private:
  DrrPins& design_;
  DrrPins& reference_;
  uint64_t cycle_ = 0;
};

}  // namespace copysim::drr
