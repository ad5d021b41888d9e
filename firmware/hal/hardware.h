// The boundary between the controller firmware and the hardware it runs
// on, in both directions, with no SystemC in sight: the firmware calls
// Hardware; the hardware model (systemc/hal/) implements it and drives the
// firmware through Firmware. This is the only firmware header the hardware
// model includes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace copysim::fw {

// Bridge header (seed 002): a track sent to a bridge volume carries the
// volume and track it is finally for.
struct BridgeHeader {
  uint16_t final_device = 0;
  uint64_t final_track = 0;
  bool operator==(const BridgeHeader&) const = default;
};

// One track to copy to the secondary: the hardware gathers it from the
// primary's cache (staging it if needed) with the link adapter's DMA engine
// and sends it as one remote write on `link`.
struct TrackSend {
  uint16_t source_device = 0;
  uint16_t target_device = 0;
  uint64_t track = 0;
  uint32_t link = 0;
  uint32_t sequence = 0;
  uint32_t first_block = 0;  // within the track
  uint32_t blocks = 0;       // 0: the whole track
  // The track lands at this track of target_device rather than at `track`
  // (a bridge volume's slot), with this header.
  std::optional<uint64_t> target_track;
  std::optional<BridgeHeader> header;
  // A host waits for this send (a synchronous mirror): the hardware runs
  // it before copies waiting for a worker.
  bool host_write = false;
};

// A remote write that arrived at this array from the other one and is in
// this array's cache.
struct RemoteArrival {
  uint16_t source_device = 0;  // on the other array
  uint64_t source_block = 0;
  uint16_t device = 0;  // where it landed here
  uint64_t block = 0;
  uint32_t blocks = 0;
  uint32_t sequence = 0;  // the sender's write sequence number
  std::optional<BridgeHeader> header;
};

enum class SendStatus { good, link_down, retries_exhausted, target_error };
std::string_view to_string(SendStatus status);

struct SendResult {
  SendStatus status = SendStatus::good;
  uint64_t bytes = 0;
  uint64_t response_ps = 0;
  std::string message;
  bool ok() const { return status == SendStatus::good; }
};

enum class LogLevel { debug, info, warning, error };

class Hardware {
 public:
  virtual ~Hardware() = default;
  virtual uint64_t now_ps() const = 0;
  virtual uint32_t processors() const = 0;
  virtual uint32_t links() const = 0;
  virtual uint32_t blocks_per_track(uint16_t device) const = 0;
  virtual uint64_t tracks(uint16_t device) const = 0;  // 0: no such volume

  // Control store (shared memory): false, and nothing taken, if it does not fit.
  virtual bool allocate_control_store(std::string_view table, uint64_t bytes) = 0;
  virtual void release_control_store(std::string_view table, uint64_t bytes) = 0;

  // Asynchronous operations: `done` is called once, later in simulated time.
  virtual void send_track(const TrackSend& request,
                          std::function<void(const SendResult&)> done) = 0;
  virtual void start_timer(uint64_t delay_ps, std::function<void()> done) = 0;

  // Tells the secondary array that `device` is (or no longer is) the
  // secondary of a pair, so that it refuses host writes to it.
  virtual void set_secondary_write_protect(uint16_t device, bool on) = 0;

  // Host writes to a volume of this array are refused (a volume reserved
  // for internal use, like a bridge volume), or allowed again.
  virtual void set_reserved(uint16_t device, bool on, std::string_view why) = 0;
  // Host reads and writes of a volume of this array are refused (a clone
  // destination before ACTIVATE), or allowed again.
  virtual void set_not_ready(uint16_t device, bool on, std::string_view why) = 0;
  // From a command handler: the control-store accesses its work took (bits
  // set across a volume's tables, say). The command's status waits for them.
  virtual void control_store_work(uint64_t accesses) = 0;

  // A command block for the other array's firmware, carried by a control
  // exchange on the link; `done` gets its status bytes (empty: no link).
  virtual void peer_command(std::vector<uint8_t> block,
                            std::function<void(std::vector<uint8_t>)> done) = 0;
  // Copies a track between two volumes of this array, cache to cache
  // through the DRR unit; the target's blocks become write pending.
  virtual void copy_track(uint16_t from_device, uint64_t from_track, uint16_t to_device,
                          uint64_t to_track, std::function<void(std::string error)> done) = 0;
  // User data (512 bytes a block) of a volume of this array, written into
  // cache as write pending, or read through cache; `error` empty when good.
  virtual void write_blocks(uint16_t device, uint64_t block, std::vector<uint8_t> data,
                            std::function<void(std::string error)> done) = 0;
  virtual void read_blocks(uint16_t device, uint64_t block, uint32_t blocks,
                           std::function<void(std::vector<uint8_t>, std::string error)> done) = 0;

  // Tells the processors that a TCB became ready.
  virtual void work_available() = 0;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

// What a processor asks of the firmware.
struct Step {
  enum Kind { compute, blocked, finished } kind = finished;
  uint64_t cycles = 0;  // compute: cycles to charge before the next run()
};

class Firmware {
 public:
  virtual ~Firmware() = default;
  // The next ready TCB's handle, or -1 when none is ready.
  virtual int64_t next_ready() = 0;
  // Runs TCB `handle` until it suspends.
  virtual Step run(int64_t handle) = 0;
  // Cycles a processor spends switching to a TCB.
  virtual uint64_t dispatch_cycles() const = 0;
};

// Host writes the firmware must act on before they complete (synchronous
// remote copy): called once a write's data is in cache; the write's status
// goes to the host when `done` is called.
class HostWriteObserver {
 public:
  virtual ~HostWriteObserver() = default;
  virtual void host_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                          std::function<void()> done) = 0;
};

// Host IO the firmware acts on before its data moves (copy-before-write,
// clone indirection): called once a host read or write is accepted; the
// data moves when `proceed` is called with an empty string, and the IO ends
// with a data check when it is called with a reason (a track copy the IO
// depended on failed). A write that proceeds always reaches
// HostWriteObserver::host_write once its data is in cache, so the same
// object observes host writes (ArrayHardware::intercept_host_io).
class HostIoInterceptor {
 public:
  virtual ~HostIoInterceptor() = default;
  virtual void host_io_starting(uint16_t device, uint64_t first_block, uint32_t blocks, bool write,
                                std::function<void(std::string refusal)> proceed) = 0;
};

// Remote writes the firmware must see once they are in this array's cache
// (bridge volumes).
class RemoteWriteObserver {
 public:
  virtual ~RemoteWriteObserver() = default;
  virtual void remote_write_arrived(const RemoteArrival& arrival) = 0;
};

// What a host adapter hands the firmware: a command block's bytes in, a
// status's bytes out (firmware/command/command_block.h has the format).
class CommandSink {
 public:
  virtual ~CommandSink() = default;
  virtual std::vector<uint8_t> command(std::span<const uint8_t> block) = 0;
};

}  // namespace copysim::fw
