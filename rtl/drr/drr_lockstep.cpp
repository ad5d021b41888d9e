#include "rtl/drr/drr_lockstep.h"

#include <algorithm>
#include <stdexcept>

namespace copysim::drr {

std::string compare_outputs(const DrrOutputs& a, const DrrOutputs& b) {
  if (a.cmd_ready != b.cmd_ready) return "cmd_ready";
  if (a.in_ready != b.in_ready) return "in_ready";
  if (a.out_valid != b.out_valid) return "out_valid";
  if (a.sts_valid != b.sts_valid) return "sts_valid";
  if (a.out_valid) {
    if (!std::equal(a.out_data.begin(), a.out_data.end(), b.out_data.begin(), b.out_data.end())) {
      return "out_data";
    }
    if (a.out_trailer != b.out_trailer) return "out_trailer";
    if (a.out_cd_error != b.out_cd_error) return "out_cd_error";
    if (a.out_la_error != b.out_la_error) return "out_la_error";
  }
  if (a.sts_valid && a.status != b.status) return "sts_*";
  return {};
}

DrrLockstep::DrrLockstep(DrrPins& design, DrrPins& reference)
    : design_(design), reference_(reference) {
  if (design.data_bytes() != reference.data_bytes()) {
    throw std::invalid_argument("lockstep of drr units with different data widths");
  }
}

DrrOutputs DrrLockstep::evaluate(const DrrInputs& in) {
  const DrrOutputs d = design_.evaluate(in);
  const DrrOutputs r = reference_.evaluate(in);
  if (const std::string pin = compare_outputs(d, r); !pin.empty()) {
    throw std::logic_error("drr_unit design and reference differ at cycle " +
                           std::to_string(cycle_) + " on " + pin);
  }
  return d;
}

void DrrLockstep::clock_edge() {
  design_.clock_edge();
  reference_.clock_edge();
  ++cycle_;
}

}  // namespace copysim::drr
