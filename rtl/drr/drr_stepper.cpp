#include "rtl/drr/drr_stepper.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace copysim::drr {

using checkcode::kStoredBlockBytes;
using checkcode::kTrailerBytes;

namespace {

bool ask(const std::function<bool()>& hook) { return hook && hook(); }

}  // namespace

DrrStepResult step_transfer(DrrPins& unit, const DrrCommand& cmd, std::span<const uint8_t> in,
                            std::span<uint8_t> out, const DrrStalls& stalls) {
  const unsigned lanes = unit.data_bytes();
  const unsigned per_block = beats_per_block(lanes);
  const uint64_t beats = uint64_t{cmd.block_count} * per_block;
  const std::size_t bytes = std::size_t{cmd.block_count} * kStoredBlockBytes;
  if (in.size() != bytes || out.size() != bytes) {
    throw std::invalid_argument("step_transfer of " + std::to_string(cmd.block_count) +
                                " blocks needs " + std::to_string(bytes) + " bytes in and out");
  }

  // The bytes of beat `b`: a full beat of data, or the 8-byte trailer in
  // lanes 0..7 of the block's last beat.
  auto beat_bytes = [&](auto buffer, uint64_t b) {
    const uint64_t block = b / per_block;
    const unsigned k = static_cast<unsigned>(b % per_block);
    const bool trailer = k + 1 == per_block;
    return buffer.subspan(block * kStoredBlockBytes + std::size_t{k} * lanes,
                          trailer ? kTrailerBytes : lanes);
  };

  std::vector<uint8_t> beat(lanes, 0);
  DrrInputs pins;
  pins.cmd = cmd;
  pins.in_data = beat;
  bool cmd_sent = false;
  uint64_t in_beat = 0;
  uint64_t out_beat = 0;
  DrrStepResult result;
  for (bool done = false; !done; ++result.cycles) {
    pins.cmd_valid = !cmd_sent && !ask(stalls.cmd_delay);
    pins.in_valid = cmd_sent && in_beat < beats && !ask(stalls.in_gap);
    if (pins.in_valid) {
      const auto src = beat_bytes(in, in_beat);
      std::fill(std::copy(src.begin(), src.end(), beat.begin()), beat.end(), uint8_t{0});
    }
    pins.out_ready = !ask(stalls.out_stall);
    pins.sts_ready = !ask(stalls.sts_stall);

    const DrrOutputs o = unit.evaluate(pins);
    if (pins.cmd_valid && o.cmd_ready) cmd_sent = true;
    if (pins.in_valid && o.in_ready) ++in_beat;
    if (o.out_valid && pins.out_ready) {
      const bool trailer = out_beat % per_block + 1 == per_block;
      if (out_beat >= beats || o.out_trailer != trailer) {
        throw std::logic_error("drr_unit output beat " + std::to_string(out_beat) +
                               " breaks the block framing");
      }
      const auto dst = beat_bytes(out, out_beat);
      std::copy_n(o.out_data.begin(), dst.size(), dst.begin());
      ++out_beat;
    }
    if (o.sts_valid && pins.sts_ready) {
      if (out_beat != beats) {
        throw std::logic_error("drr_unit status after " + std::to_string(out_beat) + " of " +
                               std::to_string(beats) + " output beats");
      }
      result.status = o.status;
      done = true;
    }
    unit.clock_edge();
  }
  return result;
}

}  // namespace copysim::drr
