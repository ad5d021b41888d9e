#include "systemc/link/fcp_write.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "rtl/checkcode/stored_block.h"

namespace copysim::sc {
namespace {

constexpr uint8_t kWrite16 = 0x8a;
constexpr uint32_t kControlBytes = 16;      // write control information, additional CDB
constexpr uint8_t kBridgeHeaderBit = 0x40;  // CONTROL byte, vendor specific
constexpr uint8_t kScsiGood = 0x00;
constexpr uint8_t kScsiCheckCondition = 0x02;

void put(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}

uint64_t get(std::span<const uint8_t> p, std::size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[at + i];
  return v;
}

// Source device, source block and sequence number: the part of the write
// control information a WRITE(16) CDB has no room for.
void put_control(uint8_t* p, const RemoteWriteControl& c) {
  put(p, c.source_device, 2);
  put(p + 2, c.source_block, 4);
  put(p + 6, c.sequence, 4);
  put(p + 10, c.bridged ? c.final_device : 0, 2);
  put(p + 12, c.bridged ? c.final_block : 0, 4);
}

void get_control(std::span<const uint8_t> p, RemoteWriteControl& c) {
  c.source_device = static_cast<uint16_t>(get(p, 0, 2));
  c.source_block = static_cast<uint32_t>(get(p, 2, 4));
  c.sequence = static_cast<uint32_t>(get(p, 6, 4));
  if (c.bridged) {
    c.final_device = static_cast<uint16_t>(get(p, 10, 2));
    c.final_block = static_cast<uint32_t>(get(p, 12, 4));
  }
}

std::vector<uint8_t> fcp_rsp(bool good) {
  std::vector<uint8_t> rsp(24, 0);
  rsp[11] = good ? kScsiGood : kScsiCheckCondition;
  return rsp;
}

}  // namespace

std::string_view to_string(FcpWriteMode mode) {
  return mode == FcpWriteMode::standard ? "standard" : "extended_cdb";
}

std::string_view to_string(SecondaryBufferPolicy policy) {
  return policy == SecondaryBufferPolicy::preallocated ? "preallocated" : "allocate_after_receipt";
}

std::string_view to_string(FcpStatus status) {
  switch (status) {
    case FcpStatus::good:
      return "good";
    case FcpStatus::link_down:
      return "link down";
    case FcpStatus::retries_exhausted:
      return "retries exhausted";
    case FcpStatus::target_error:
      return "target error";
  }
  return "unknown";
}

std::vector<uint8_t> encode_fcp_cmnd(const RemoteWriteControl& c, bool extended) {
  std::vector<uint8_t> iu(extended ? kFcpExtendedCmndBytes : kFcpCmndBytes, 0);
  put(iu.data(), c.target_device, 2);                                               // FCP_LUN
  iu[11] = static_cast<uint8_t>((extended ? (kControlBytes / 4) << 2 : 0) | 0x01);  // WRDATA
  uint8_t* cdb = iu.data() + 12;
  cdb[0] = kWrite16;
  put(cdb + 2, c.target_block, 8);
  put(cdb + 10, c.blocks, 4);
  if (c.bridged) cdb[15] |= kBridgeHeaderBit;
  if (extended) put_control(iu.data() + 28, c);
  put(iu.data() + iu.size() - 4, uint64_t{c.blocks} * checkcode::kStoredBlockBytes, 4);  // FCP_DL
  return iu;
}

RemoteWriteControl decode_fcp_cmnd(std::span<const uint8_t> iu) {
  if (iu.size() != kFcpCmndBytes && iu.size() != kFcpExtendedCmndBytes) {
    throw std::invalid_argument(fmt::format("FCP_CMND of {} bytes", iu.size()));
  }
  const uint32_t additional = (iu[11] >> 2) * 4u;
  if (kFcpCmndBytes + additional != iu.size()) {
    throw std::invalid_argument(fmt::format(
        "FCP_CMND ADDITIONAL_FCP_CDB_LENGTH of {} bytes in an IU of {}", additional, iu.size()));
  }
  if ((iu[11] & 0x01) == 0) throw std::invalid_argument("FCP_CMND without WRDATA");
  if (iu[12] != kWrite16) {
    throw std::invalid_argument(
        fmt::format("CDB operation code {:#04x}, expected WRITE(16)", iu[12]));
  }
  RemoteWriteControl c;
  c.target_device = static_cast<uint16_t>(get(iu, 0, 2));
  const uint64_t lba = get(iu, 14, 8);
  if (lba > 0xffffffffu) throw std::invalid_argument(fmt::format("CDB block {} beyond 2^32", lba));
  c.target_block = static_cast<uint32_t>(lba);
  c.blocks = static_cast<uint32_t>(get(iu, 22, 4));
  c.bridged = (iu[27] & kBridgeHeaderBit) != 0;
  if (additional == kControlBytes) get_control(iu.subspan(28, kControlBytes), c);
  const uint64_t dl = get(iu, iu.size() - 4, 4);
  if (dl != uint64_t{c.blocks} * checkcode::kStoredBlockBytes) {
    throw std::invalid_argument(
        fmt::format("FCP_DL {} does not match {} blocks of 520 bytes", dl, c.blocks));
  }
  return c;
}

FcpWritePath::FcpWritePath(const sc_core::sc_module_name& name, FcLink& link, FcpConfig config,
                           Commit commit)
    : sc_core::sc_module(name),
      link_(link),
      config_(config),
      commit_(std::move(commit)),
      credits_(config.buffers),
      secondary_free_(config.buffers),
      pool_free_(config.pool_buffers >= config.buffers ? config.pool_buffers - config.buffers : 0) {
  if (config.buffers == 0) {
    throw std::invalid_argument(
        fmt::format("{}: needs at least one secondary buffer", this->name()));
  }
  if (config.policy == SecondaryBufferPolicy::allocate_after_receipt &&
      config.pool_buffers <= config.buffers) {
    throw std::invalid_argument(fmt::format(
        "{}: allocate_after_receipt needs pool_buffers ({}) above buffers ({}) to replace any",
        this->name(), config.pool_buffers, config.buffers));
  }
}

void FcpWritePath::take_credit() {
  if (credits_ == 0) ++stats_.buffer_waits;
  while (credits_ == 0) wait(credit_returned_);
  --credits_;
}

void FcpWritePath::give_credit() {
  ++credits_;
  credit_returned_.notify(sc_core::SC_ZERO_TIME);
}

// Standard mode: the command waits at the secondary for one of its
// `buffers` (allocated now under allocate_after_receipt) before XFER_RDY.
void FcpWritePath::take_secondary_buffer() {
  if (secondary_free_ == 0) ++stats_.buffer_waits;
  while (secondary_free_ == 0) wait(buffer_freed_);
  --secondary_free_;
  if (config_.policy == SecondaryBufferPolicy::allocate_after_receipt) {
    wait(sc_core::sc_time(config_.allocation_us, sc_core::SC_US));
  }
  stats_.buffers_in_use_peak = std::max(stats_.buffers_in_use_peak, ++buffers_in_use_);
}

void FcpWritePath::release_secondary_buffer() {
  --buffers_in_use_;
  ++secondary_free_;
  buffer_freed_.notify(sc_core::SC_ZERO_TIME);
}

// After a receipt the secondary allocates a replacement buffer pair and
// tells the primary with a small notice frame; the primary may fill it then.
void FcpWritePath::replace_buffer_later() {
  sc_core::sc_spawn([this] {
    if (pool_free_ == 0) ++stats_.pool_waits;
    while (pool_free_ == 0) wait(pool_freed_);
    --pool_free_;
    wait(sc_core::sc_time(config_.allocation_us, sc_core::SC_US));
    std::vector<uint8_t> notice(12, 0);
    // Lost with a link going down, the notice is repeated at the next login:
    // either way the primary gets the credit.
    link_.backward().transmit(0, FcSequence{kRctlXferRdy, notice});
    give_credit();
  });
}

LinkResult FcpWritePath::send_status(uint16_t ox_id, bool good) {
  const std::vector<uint8_t> rsp = fcp_rsp(good);
  return link_.backward().transmit(ox_id, FcSequence{kRctlResponse, rsp});
}

FcpWritePath::Attempt FcpWritePath::secondary_receives(uint16_t ox_id, LinkResult r,
                                                       std::span<const uint8_t> received,
                                                       std::size_t command_bytes,
                                                       std::span<const uint8_t> blocks, bool decode,
                                                       std::string& message) {
  if (decode) wait(sc_core::sc_time(config_.command_us, sc_core::SC_US));
  if (discarded(r)) {
    // The secondary discards the whole exchange and asks for it again.
    message = fmt::format("the secondary discarded the data ({})", to_string(r));
    return send_status(ox_id, false) == LinkResult::link_down ? Attempt::link_down : Attempt::retry;
  }
  RemoteWriteControl control;
  try {
    control = decode_fcp_cmnd(received.first(command_bytes));
    if (command_bytes == kFcpCmndBytes) get_control(received.subspan(command_bytes), control);
  } catch (const std::invalid_argument& e) {
    message = fmt::format("secondary refused the command: {}", e.what());
    send_status(ox_id, false);
    return Attempt::target_error;
  }
  const std::size_t data_at = command_bytes + (command_bytes == kFcpCmndBytes ? kControlBytes : 0);
  const auto data = received.subspan(data_at);
  if (data.size() != blocks.size()) {
    message =
        fmt::format("secondary received {} data bytes, expected {}", data.size(), blocks.size());
    send_status(ox_id, false);
    return Attempt::target_error;
  }
  std::string error;
  const bool ok = commit_(control, data, error);
  if (ok) ++stats_.commits;
  if (!ok) message = error;
  return send_status(ox_id, ok) == LinkResult::link_down ? Attempt::link_down
         : ok                                            ? Attempt::good
                                                         : Attempt::target_error;
}

FcpWritePath::Attempt FcpWritePath::attempt_extended(uint16_t ox_id,
                                                     const RemoteWriteControl& control,
                                                     std::span<const uint8_t> blocks,
                                                     std::string& message) {
  take_credit();
  stats_.buffers_in_use_peak = std::max(stats_.buffers_in_use_peak, ++buffers_in_use_);
  const std::vector<uint8_t> cmnd = encode_fcp_cmnd(control, true);
  const FcSequence sequences[] = {{kRctlCommand, cmnd}, {kRctlData, blocks}};
  std::vector<uint8_t> received;
  const LinkResult r = link_.forward().transmit(ox_id, sequences, &received);
  if (r == LinkResult::link_down) {
    --buffers_in_use_;
    give_credit();
    message = "link down while sending";
    return Attempt::link_down;
  }
  const bool replaced =
      r == LinkResult::delivered && config_.policy == SecondaryBufferPolicy::allocate_after_receipt;
  if (replaced) replace_buffer_later();
  const Attempt a =
      secondary_receives(ox_id, r, received, kFcpExtendedCmndBytes, blocks, true, message);
  --buffers_in_use_;
  // A pre-allocated buffer comes back with the status; an allocate-after-
  // receipt buffer is freed to the pool, its replacement announced
  // separately.
  if (replaced) {
    ++pool_free_;
    pool_freed_.notify(sc_core::SC_ZERO_TIME);
  } else {
    give_credit();
  }
  return a;
}

FcpWritePath::Attempt FcpWritePath::attempt_standard(uint16_t ox_id,
                                                     const RemoteWriteControl& control,
                                                     std::span<const uint8_t> blocks,
                                                     std::string& message) {
  const std::vector<uint8_t> cmnd = encode_fcp_cmnd(control, false);
  const LinkResult rc = link_.forward().transmit(ox_id, FcSequence{kRctlCommand, cmnd});
  if (rc == LinkResult::link_down) {
    message = "link down while sending the command";
    return Attempt::link_down;
  }
  wait(sc_core::sc_time(config_.command_us, sc_core::SC_US));
  if (discarded(rc)) {
    message = fmt::format("the secondary discarded the command ({})", to_string(rc));
    return send_status(ox_id, false) == LinkResult::link_down ? Attempt::link_down : Attempt::retry;
  }
  take_secondary_buffer();
  std::vector<uint8_t> xfer_rdy(12, 0);
  put(xfer_rdy.data() + 4, blocks.size(), 4);  // burst length
  if (link_.backward().transmit(ox_id, FcSequence{kRctlXferRdy, xfer_rdy}) ==
      LinkResult::link_down) {
    release_secondary_buffer();
    message = "link down while sending transfer ready";
    return Attempt::link_down;
  }
  // The write control information leads the data in this mode.
  std::vector<uint8_t> data(kControlBytes + blocks.size());
  put_control(data.data(), control);
  std::copy(blocks.begin(), blocks.end(), data.begin() + kControlBytes);
  std::vector<uint8_t> received = cmnd;
  std::vector<uint8_t> data_received;
  const LinkResult rd =
      link_.forward().transmit(ox_id, FcSequence{kRctlData, data}, &data_received);
  if (rd == LinkResult::link_down) {
    release_secondary_buffer();
    message = "link down while sending data";
    return Attempt::link_down;
  }
  received.insert(received.end(), data_received.begin(), data_received.end());
  // The command was decoded when it arrived: only the data is new.
  const Attempt a = secondary_receives(ox_id, rd, received, kFcpCmndBytes, blocks, false, message);
  release_secondary_buffer();
  return a;
}

FcpResult FcpWritePath::write(const RemoteWriteControl& control,
                              std::span<const uint8_t> stored_blocks) {
  if (stored_blocks.size() != std::size_t{control.blocks} * checkcode::kStoredBlockBytes ||
      control.blocks == 0) {
    throw std::invalid_argument(fmt::format("{}: a write of {} blocks with {} bytes", name(),
                                            control.blocks, stored_blocks.size()));
  }
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  ++stats_.exchanges;
  stats_.in_flight_peak = std::max(stats_.in_flight_peak, ++stats_.in_flight);
  FcpResult result;
  for (;;) {
    const uint16_t ox_id = next_ox_id_++;
    const Attempt a = config_.mode == FcpWriteMode::extended_cdb
                          ? attempt_extended(ox_id, control, stored_blocks, result.message)
                          : attempt_standard(ox_id, control, stored_blocks, result.message);
    if (a == Attempt::good) {
      result.status = FcpStatus::good;
      result.message.clear();
      break;
    }
    if (a == Attempt::link_down) {
      result.status = FcpStatus::link_down;
      break;
    }
    if (a == Attempt::target_error) {
      result.status = FcpStatus::target_error;
      break;
    }
    if (result.retries == config_.max_retries) {
      result.status = FcpStatus::retries_exhausted;
      break;
    }
    ++result.retries;
    ++stats_.retries;
  }
  --stats_.in_flight;
  ++(result.ok() ? stats_.good : stats_.failed);
  result.response = sc_core::sc_time_stamp() - start;
  return result;
}

}  // namespace copysim::sc
