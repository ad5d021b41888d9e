// Remote writes over one Fibre Channel link, from a primary array's link
// port to a secondary's, in the two ways seed 001 compares:
//
// - standard: FCP_CMND; the secondary finds a buffer and answers XFER_RDY;
//   the primary sends FCP_DATA; the secondary writes it and answers FCP_RSP.
//   Two round trips.
// - extended_cdb (seed 001): the write control information travels in an
//   extended CDB with the command, transfer ready is disabled, and the data
//   follows the command at once into a payload buffer and a data buffer the
//   secondary has set aside; the status returns after the secondary has
//   written the data. One round trip. Later writes start before earlier
//   status returns, as long as the primary holds a buffer credit.
//
// Secondary buffers follow one of the seed's two policies: a pool
// pre-allocated at setup, reused once the data is safe (credit back with
// the status), or a replacement allocated after each receipt (credit back
// with a "buffer ready" notice once allocated). Either way the secondary's
// buffers are finite: `buffers` pairs are set up (standard mode allocates
// each after the command arrives, from those `buffers`), and replacements
// come from a memory of `pool_buffers` pairs in all, so that a slow commit
// holds the primary back once the pool is spent. A frame that fails its CRC
// makes the secondary discard the exchange and ask for a retry; a link that
// goes down fails the exchange with link_down.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <systemc>

#include "systemc/link/fc_link.h"

namespace copysim::sc {

enum class FcpWriteMode { standard, extended_cdb };
enum class SecondaryBufferPolicy { preallocated, allocate_after_receipt };
std::string_view to_string(FcpWriteMode mode);
std::string_view to_string(SecondaryBufferPolicy policy);

struct FcpConfig {
  FcpWriteMode mode = FcpWriteMode::extended_cdb;
  SecondaryBufferPolicy policy = SecondaryBufferPolicy::preallocated;
  uint32_t buffers = 16;       // payload + data buffer pairs at the secondary
  uint32_t pool_buffers = 32;  // allocate_after_receipt: pairs the secondary can hold at once
  double command_us = 2.0;     // secondary decodes a command
  double allocation_us = 5.0;  // secondary allocates a buffer pair
  uint32_t max_retries = 3;
};

// The write control information (seed 001): where the blocks come from and
// where they go.
struct RemoteWriteControl {
  uint16_t source_device = 0;
  uint32_t source_block = 0;
  uint16_t target_device = 0;
  uint32_t target_block = 0;
  uint32_t blocks = 0;
  uint32_t sequence = 0;  // the primary's write sequence number
  // Bridge header (seed 002): the write lands on a bridge volume and names
  // the volume and block it is finally for.
  bool bridged = false;
  uint16_t final_device = 0;
  uint32_t final_block = 0;
  bool operator==(const RemoteWriteControl&) const = default;
};

// FCP_CMND information unit (FCP-4): LUN, control, a WRITE(16) CDB for
// target block and count, and, in extended form, 16 bytes of additional CDB
// holding the rest of the write control information; FCP_DL last. A bridge
// header sets vendor bit 6 of the CDB's CONTROL byte and fills the last six
// bytes of the write control information with its final device and block.
inline constexpr uint32_t kFcpCmndBytes = 32;
inline constexpr uint32_t kFcpExtendedCmndBytes = 48;
std::vector<uint8_t> encode_fcp_cmnd(const RemoteWriteControl& control, bool extended);
// Throws std::invalid_argument naming the field that is malformed.
RemoteWriteControl decode_fcp_cmnd(std::span<const uint8_t> iu);

enum class FcpStatus { good, link_down, retries_exhausted, target_error };
std::string_view to_string(FcpStatus status);

struct FcpResult {
  FcpStatus status = FcpStatus::good;
  uint32_t retries = 0;
  sc_core::sc_time response = sc_core::SC_ZERO_TIME;
  std::string message;
  bool ok() const { return status == FcpStatus::good; }
};

struct FcpStats {
  uint64_t exchanges = 0;
  uint64_t good = 0;
  uint64_t retries = 0;
  uint64_t failed = 0;
  uint64_t commits = 0;       // writes the secondary committed
  uint64_t buffer_waits = 0;  // a write waited for a secondary buffer
  uint64_t pool_waits = 0;    // a replacement waited for the pool
  uint32_t in_flight = 0;
  uint32_t in_flight_peak = 0;
  uint32_t buffers_in_use_peak = 0;
};

class FcpWritePath : public sc_core::sc_module {
 public:
  // Runs at the secondary once the data is in its buffer: write the stored
  // blocks (which carry the primary's addresses) to the target volume; may
  // wait; returns false with `error` set to refuse the write.
  using Commit = std::function<bool(const RemoteWriteControl& control,
                                    std::span<const uint8_t> stored_blocks, std::string& error)>;

  FcpWritePath(const sc_core::sc_module_name& name, FcLink& link, FcpConfig config, Commit commit);

  // From a primary thread process: one remote write, returning when its
  // status is back (or it failed).
  FcpResult write(const RemoteWriteControl& control, std::span<const uint8_t> stored_blocks);

  const FcpConfig& config() const { return config_; }
  const FcpStats& stats() const { return stats_; }
  uint32_t buffer_credits() const { return credits_; }

 private:
  enum class Attempt { good, retry, link_down, target_error };
  Attempt attempt_extended(uint16_t ox_id, const RemoteWriteControl& control,
                           std::span<const uint8_t> blocks, std::string& message);
  Attempt attempt_standard(uint16_t ox_id, const RemoteWriteControl& control,
                           std::span<const uint8_t> blocks, std::string& message);
  Attempt secondary_receives(uint16_t ox_id, LinkResult r, std::span<const uint8_t> received,
                             std::size_t command_bytes, std::span<const uint8_t> blocks,
                             bool decode, std::string& message);
  void take_credit();
  void give_credit();
  void take_secondary_buffer();
  void release_secondary_buffer();
  void replace_buffer_later();
  LinkResult send_status(uint16_t ox_id, bool good);

  FcLink& link_;
  FcpConfig config_;
  Commit commit_;
  uint16_t next_ox_id_ = 1;
  uint32_t credits_;         // extended_cdb: buffers the primary may still fill
  uint32_t secondary_free_;  // standard: buffers free at the secondary
  uint32_t pool_free_;       // extended allocate_after_receipt: replacements left
  sc_core::sc_event pool_freed_;
  uint32_t buffers_in_use_ = 0;
  sc_core::sc_event credit_returned_;
  sc_core::sc_event buffer_freed_;
  FcpStats stats_;
};

}  // namespace copysim::sc
