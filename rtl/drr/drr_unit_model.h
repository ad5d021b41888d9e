// Bit-exact, cycle-equivalent C++ model of rtl/drr/drr_unit.sv. Its state
// variables are the RTL's registers under the same names, and evaluate() /
// clock_edge() are its assign statements and its always_ff block.
#pragma once

#include <cstdint>
#include <vector>

#include "rtl/drr/drr_pins.h"

namespace copysim::drr {

class DrrUnitModel final : public DrrPins {
 public:
  explicit DrrUnitModel(unsigned data_bytes = 64);

  unsigned data_bytes() const override { return data_bytes_; }
  DrrOutputs evaluate(const DrrInputs& in) override;
  void clock_edge() override;

 private:
  bool in_ready() const;
  bool sts_valid() const;

  unsigned data_bytes_;
  unsigned trailer_beat_;
  DrrInputs in_{};

  bool busy_ = false;
  LogicalAddress src_{};  // LA expected on the next incoming block
  LogicalAddress dst_{};  // LA stamped on the next outgoing block
  uint32_t blocks_left_ = 0;
  unsigned beat_ = 0;
  uint16_t crc_ = 0;
  DrrStatus counters_{};

  bool out_valid_ = false;
  std::vector<uint8_t> out_data_;
  bool out_trailer_ = false;
  bool out_cd_error_ = false;
  bool out_la_error_ = false;
};

}  // namespace copysim::drr
