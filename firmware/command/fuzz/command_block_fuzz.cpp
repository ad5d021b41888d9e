// libFuzzer target: the controller's reading of command blocks and status
// records. Any exception but the documented std::invalid_argument, any
// crash, or a block that does not survive encode(decode(bytes)) is a
// finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>

#include "firmware/command/command_block.h"

using namespace copysim::fw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::span<const uint8_t> in(data, size);
  try {
    const CommandBlock block = decode_command(in);
    const auto again = encode(block);
    for (std::size_t i = 0; i < again.size(); ++i) {
      if (again[i] != in[i]) std::abort();
    }
  } catch (const std::invalid_argument&) {
  }
  try {
    const CommandStatus status = decode_status(in);
    (void)decode_status(encode(status));
  } catch (const std::invalid_argument&) {
  }
  // The processor answers every byte string with a status it can read back.
  static CommandProcessor processor = [] {
    CommandProcessor p;
    p.add(0x0301, "create", [](const CommandBlock& b) {
      return CommandStatus{b.parameters[0] == 3 ? CommandResult::ok : CommandResult::bad_parameter,
                           device_name(b.primary_volume)};
    });
    return p;
  }();
  (void)decode_status(processor.execute(in));
  return 0;
}
