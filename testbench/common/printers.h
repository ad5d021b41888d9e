// How test failures print copysim's value types.
#pragma once

#include <ostream>

#include "firmware/command/command_block.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "firmware/remote_copy/transfer_service.h"
#include "rtl/checkcode/stored_block.h"
#include "rtl/drr/drr_pins.h"

namespace copysim::checkcode {
inline std::ostream& operator<<(std::ostream& os, const LogicalAddress& la) {
  return os << "{device " << la.device << ", block " << la.block << "}";
}
inline std::ostream& operator<<(std::ostream& os, BlockCheck check) {
  return os << to_string(check);
}
}  // namespace copysim::checkcode

namespace copysim::drr {
inline std::ostream& operator<<(std::ostream& os, const DrrStatus& s) {
  return os << "{blocks " << s.blocks << ", cd_errors " << s.cd_errors << ", la_errors "
            << s.la_errors << ", first_bad " << s.first_bad << "}";
}
}  // namespace copysim::drr

namespace copysim::fw {
inline std::ostream& operator<<(std::ostream& os, CommandResult r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, TransferState s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, PairState s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, SuspendReason r) { return os << to_string(r); }
}  // namespace copysim::fw
