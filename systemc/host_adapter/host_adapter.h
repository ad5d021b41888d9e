// A host adapter (CHA in seed 004): Fibre Channel front-end ports on which
// hosts issue reads and writes. A read is served from cache (a hit) or
// staged from the drive first (a miss); a write lands in cache, stamped with
// each block's logical address and check code, and is acknowledged before
// it is destaged (fast write). Every block read is checked: a block whose
// check code or address is wrong is reported as a data check, never
// returned as good data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <systemc>

#include "systemc/cache/cache.h"
#include "systemc/common/histogram.h"
#include "systemc/common/resource.h"
#include "systemc/cpu/processors.h"
#include "systemc/fc/fc_speed.h"
#include "systemc/shm/shared_memory.h"
#include "systemc/storage/volume.h"

namespace copysim::sc {

struct HostAdapterConfig {
  uint32_t count = 2;  // adapters in the array
  uint32_t ports = 4;  // front-end ports per adapter
  std::string port_speed = "16GFC";
  uint32_t max_frame_payload = 2048;
  uint64_t command_cycles = 10000;  // processor cycles per host command
  // Commands a port holds at once (reads, writes, command blocks); a host
  // sending more is answered QUEUE FULL and holds the command until one ends.
  uint32_t queue_depth = 2048;
};

enum class IoResult {
  ok,
  data_check,
  no_such_volume,
  out_of_range,
  bad_buffer,
  write_protected,
  not_ready,
};
std::string_view to_string(IoResult result);

struct IoStatus {
  IoResult result = IoResult::ok;
  uint64_t bad_block = 0;  // first block with a data check
  std::string message;
  sc_core::sc_time response = sc_core::SC_ZERO_TIME;
  bool cache_hit = false;
  bool ok() const { return result == IoResult::ok; }
};

// One full-duplex front-end port.
struct HostPort {
  Resource inbound;   // host -> array
  Resource outbound;  // array -> host
  uint64_t ios = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint32_t outstanding = 0;  // commands the port holds now
  uint32_t outstanding_peak = 0;
  uint64_t queue_full = 0;  // commands that found the queue full and waited
  std::unique_ptr<sc_core::sc_event> slot_freed = std::make_unique<sc_core::sc_event>();
};

class HostAdapter : public sc_core::sc_module {
 public:
  using VolumeLookup = std::function<const Volume*(uint16_t device)>;
  // Called when a host IO completes: device, is_write, bytes, status.
  using IoObserver = std::function<void(uint16_t, bool, uint64_t, const IoStatus&)>;

  HostAdapter(const sc_core::sc_module_name& name, const HostAdapterConfig& config, Cache& cache,
              Processors& processors, SharedMemory& shared_memory, VolumeLookup volumes);

  // From a thread process. `data` holds count x 512 bytes of user data.
  // `internal`: the array's own firmware reading (no LUN masking).
  IoStatus read(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                std::span<uint8_t> data, bool internal = false);
  IoStatus write(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                 std::span<const uint8_t> data);

  // From a thread process: a command block from a host, handed to the
  // firmware (`on_command`) after its FCP_CMND and the block itself arrive;
  // the firmware's status goes back in the response. Without firmware the
  // status says so.
  std::vector<uint8_t> command(uint32_t port, std::span<const uint8_t> block);
  std::function<std::vector<uint8_t>(std::span<const uint8_t>)> on_command;

  // Called once a host write's data is in cache; the write's status goes to
  // the host only after `done` (synchronous remote copy holds it there).
  std::function<void(uint16_t device, uint64_t block, uint32_t count, std::function<void()> done)>
      on_write_cached;

  // Called once a host read or write is accepted, before its data moves:
  // the firmware's local copy services act first (copy-before-write, clone
  // indirection). The data moves when `proceed` gets an empty string; a
  // reason ends the IO with a data check. A write that proceeds always
  // reaches on_write_cached.
  std::function<void(uint16_t device, uint64_t block, uint32_t count, bool is_write,
                     std::function<void(std::string refusal)> proceed)>
      on_io_starting;

  // Whether a port sees a volume (LUN masking); unset: every port sees all.
  std::function<bool(uint32_t port, uint16_t device)> visible;

  // Devices that refuse host writes, with the reason given to the host.
  std::function<const std::string*(uint16_t device)> write_protection;
  // Devices that refuse host reads and writes (not ready), with the reason.
  std::function<const std::string*(uint16_t device)> not_ready;

  IoObserver on_io;
  const HostAdapterConfig& config() const { return config_; }
  const std::vector<HostPort>& ports() const { return ports_; }
  const FcSpeed& speed() const { return speed_; }
  // Serialization time of `payload` bytes in frames on one port direction.
  sc_core::sc_time frame_time(uint64_t payload) const;

 private:
  IoStatus check_request(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                         std::size_t bytes, const Volume*& volume, bool internal = false) const;
  void send(Resource& direction, uint64_t payload);
  // Waits until the callback `start` was given is called.
  static void hold(const std::function<void(std::function<void()>)>& start);
  // on_io_starting, waited for: the refusal, empty to go on.
  std::string intercept(uint16_t device, uint64_t block, uint32_t count, bool is_write);
  // Holds one of the port's queue_depth command slots while it lives,
  // waiting for one first if all are taken.
  class QueueSlot;
  IoStatus finish(IoStatus status, uint16_t device, bool is_write, uint64_t bytes,
                  const sc_core::sc_time& start);

  HostAdapterConfig config_;
  FcSpeed speed_;
  Cache& cache_;
  Processors& processors_;
  SharedMemory& shared_memory_;
  VolumeLookup volumes_;
  std::vector<HostPort> ports_;
};

// FCP information units' payloads (FCP-4): the command, transfer ready and
// response frames around the data frames of an exchange.
inline constexpr uint32_t kFcpCmndPayload = 32;
inline constexpr uint32_t kFcpXferRdyPayload = 12;
inline constexpr uint32_t kFcpRspPayload = 24;

}  // namespace copysim::sc
