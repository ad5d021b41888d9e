#include "rtl/drr/drr_unit_model.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "rtl/checkcode/crc.h"
#include "rtl/drr/drr_block.h"

namespace copysim::drr {
namespace {

const checkcode::Crc& t10dif() {
  static const checkcode::Crc crc(checkcode::kCrc16T10Dif);
  return crc;
}

}  // namespace

namespace {

unsigned checked_data_bytes(unsigned data_bytes) {
  if (!valid_data_bytes(data_bytes)) {
    throw std::invalid_argument("drr_unit data_bytes=" + std::to_string(data_bytes) +
                                ": must be a power of two in 8..512");
  }
  return data_bytes;
}

}  // namespace

DrrUnitModel::DrrUnitModel(unsigned data_bytes)
    : data_bytes_(checked_data_bytes(data_bytes)),
      trailer_beat_(beats_per_block(data_bytes_) - 1),
      out_data_(data_bytes_, 0) {}

bool DrrUnitModel::in_ready() const {
  return busy_ && blocks_left_ != 0 && (!out_valid_ || in_.out_ready);
}

bool DrrUnitModel::sts_valid() const { return busy_ && blocks_left_ == 0 && !out_valid_; }

DrrOutputs DrrUnitModel::evaluate(const DrrInputs& in) {
  in_ = in;
  DrrOutputs out;
  out.cmd_ready = !busy_;
  out.in_ready = in_ready();
  out.out_valid = out_valid_;
  out.out_data = out_data_;
  out.out_trailer = out_trailer_;
  out.out_cd_error = out_cd_error_;
  out.out_la_error = out_la_error_;
  out.sts_valid = sts_valid();
  out.status = counters_;
  return out;
}

void DrrUnitModel::clock_edge() {
  const DrrInputs& in = in_;
  if (in.rst) {
    busy_ = false;
    out_valid_ = false;
    blocks_left_ = 0;
    beat_ = 0;
    crc_ = 0;
    return;
  }
  // Fire conditions from the pre-edge state, as the RTL's wires are.
  const bool cmd_fire = in.cmd_valid && !busy_;
  const bool in_fire = in.in_valid && in_ready();
  const bool out_fire = out_valid_ && in.out_ready;
  const bool sts_fire = sts_valid() && in.sts_ready;

  if (out_fire) out_valid_ = false;

  if (cmd_fire) {
    busy_ = true;
    src_ = in.cmd.source;
    dst_ = in.cmd.target;
    blocks_left_ = in.cmd.block_count;
    beat_ = 0;
    crc_ = 0;
    counters_ = DrrStatus{};
  }

  if (in_fire) {
    if (in.in_data.size() != data_bytes_) {
      throw std::invalid_argument("drr_unit in_data has " + std::to_string(in.in_data.size()) +
                                  " lanes, expected " + std::to_string(data_bytes_));
    }
    out_valid_ = true;
    if (beat_ != trailer_beat_) {
      std::copy(in.in_data.begin(), in.in_data.end(), out_data_.begin());
      out_trailer_ = false;
      out_cd_error_ = false;
      out_la_error_ = false;
      crc_ = static_cast<uint16_t>(t10dif().update(crc_, in.in_data));
      ++beat_;
    } else {
      std::copy(in.in_data.begin(), in.in_data.end(), out_data_.begin());
      const TrailerCheck check =
          rewrite_trailer(crc_, in.in_data.first<checkcode::kTrailerBytes>(), src_, dst_,
                          std::span(out_data_).first<checkcode::kTrailerBytes>());
      out_trailer_ = true;
      out_cd_error_ = !check.cd_ok;
      out_la_error_ = !check.la_ok;
      crc_ = 0;
      beat_ = 0;
      --blocks_left_;
      ++src_.block;
      ++dst_.block;
      if (!check.cd_ok) ++counters_.cd_errors;
      if (!check.la_ok) ++counters_.la_errors;
      if (!check.ok() && counters_.first_bad == kNoBadBlock) counters_.first_bad = counters_.blocks;
      ++counters_.blocks;
    }
  }

  if (sts_fire) busy_ = false;
}

}  // namespace copysim::drr
