#include "systemc/link/fc_frame.h"

#include <stdexcept>

#include "rtl/checkcode/crc.h"

namespace copysim::sc {
namespace {

const checkcode::Crc& frame_crc() {
  static const checkcode::Crc crc(checkcode::kCrc32IsoHdlc);
  return crc;
}

void put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get(std::span<const uint8_t> in, std::size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[at + i];
  return v;
}

}  // namespace

std::vector<uint8_t> build_frame(const FcHeader& h, std::span<const uint8_t> payload) {
  std::vector<uint8_t> f;
  f.reserve(kFcHeaderBytes + payload.size() + kFcCrcBytes);
  put(f, h.r_ctl, 1);
  put(f, h.d_id, 3);
  put(f, 0, 1);  // CS_CTL
  put(f, h.s_id, 3);
  put(f, h.type, 1);
  put(f, h.f_ctl, 3);
  put(f, h.seq_id, 1);
  put(f, 0, 1);  // DF_CTL
  put(f, h.seq_cnt, 2);
  put(f, h.ox_id, 2);
  put(f, h.rx_id, 2);
  put(f, h.parameter, 4);
  f.insert(f.end(), payload.begin(), payload.end());
  const auto crc = static_cast<uint32_t>(frame_crc().compute(f));
  for (int i = 0; i < 4; ++i) f.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  return f;
}

bool frame_crc_ok(std::span<const uint8_t> frame) {
  if (frame.size() < kFcHeaderBytes + kFcCrcBytes) return false;
  // A codeword leaves the catalogue residue in the register.
  const checkcode::Crc& crc = frame_crc();
  return crc.update(crc.initial(), frame) == checkcode::kCrc32IsoHdlc.residue;
}

FcHeader parse_header(std::span<const uint8_t> f) {
  if (f.size() < kFcHeaderBytes) throw std::invalid_argument("frame shorter than its header");
  FcHeader h;
  h.r_ctl = f[0];
  h.d_id = get(f, 1, 3);
  h.s_id = get(f, 5, 3);
  h.type = f[8];
  h.f_ctl = get(f, 9, 3);
  h.seq_id = f[12];
  h.seq_cnt = static_cast<uint16_t>(get(f, 14, 2));
  h.ox_id = static_cast<uint16_t>(get(f, 16, 2));
  h.rx_id = static_cast<uint16_t>(get(f, 18, 2));
  h.parameter = get(f, 20, 4);
  return h;
}

}  // namespace copysim::sc
