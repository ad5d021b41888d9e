// The pin-level view of one drr_unit (rtl/drr/drr_unit.sv): the same
// stimulus drives the Verilated RTL or the C++ cycle model through this one
// interface, so an equivalence test compares them cycle for cycle and the
// SystemC wrapper can step either.
#pragma once

#include <cstdint>
#include <span>

#include "rtl/checkcode/stored_block.h"

namespace copysim::drr {

using checkcode::LogicalAddress;

// One transfer: `block_count` blocks read at `source` onwards, leaving
// stamped for `target` onwards.
struct DrrCommand {
  LogicalAddress source;
  LogicalAddress target;
  uint32_t block_count = 0;
};

inline constexpr uint32_t kNoBadBlock = 0xffffffffu;

struct DrrStatus {
  uint32_t blocks = 0;               // blocks that went through
  uint32_t cd_errors = 0;            // blocks whose check code was wrong on arrival
  uint32_t la_errors = 0;            // blocks whose LA was not the expected source LA
  uint32_t first_bad = kNoBadBlock;  // index of the first failing block
  bool operator==(const DrrStatus&) const = default;
};

// Input pins for one clock cycle.
struct DrrInputs {
  bool rst = false;
  bool cmd_valid = false;
  DrrCommand cmd{};
  bool in_valid = false;
  std::span<const uint8_t> in_data;  // data_bytes() lanes; lane i = stream byte i
  bool out_ready = false;
  bool sts_ready = false;
};

// Output pins once combinational logic has settled for the cycle's inputs.
struct DrrOutputs {
  bool cmd_ready = false;
  bool in_ready = false;
  bool out_valid = false;
  std::span<const uint8_t> out_data;  // valid until the next call
  bool out_trailer = false;
  bool out_cd_error = false;
  bool out_la_error = false;
  bool sts_valid = false;
  DrrStatus status{};
};

class DrrPins {
 public:
  virtual ~DrrPins() = default;
  virtual unsigned data_bytes() const = 0;
  // Applies `in` and settles the combinational outputs of the current cycle.
  virtual DrrOutputs evaluate(const DrrInputs& in) = 0;
  // The rising clock edge that ends the cycle, with the inputs last evaluated.
  virtual void clock_edge() = 0;
};

// Beats per stored block on a path of `data_bytes` lanes: the data beats and
// one trailer beat.
constexpr unsigned beats_per_block(unsigned data_bytes) {
  return static_cast<unsigned>(checkcode::kUserDataBytes) / data_bytes + 1;
}

constexpr bool valid_data_bytes(unsigned data_bytes) {
  return data_bytes >= 8 && data_bytes <= 512 && (data_bytes & (data_bytes - 1)) == 0;
}

}  // namespace copysim::drr
