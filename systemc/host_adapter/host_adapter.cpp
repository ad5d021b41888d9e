#include "systemc/host_adapter/host_adapter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "systemc/disk_adapter/disk_adapter.h"

namespace copysim::sc {

using checkcode::kStoredBlockBytes;
using checkcode::kUserDataBytes;

std::string_view to_string(IoResult result) {
  switch (result) {
    case IoResult::ok:
      return "ok";
    case IoResult::data_check:
      return "data check";
    case IoResult::no_such_volume:
      return "no such volume";
    case IoResult::out_of_range:
      return "out of range";
    case IoResult::bad_buffer:
      return "bad buffer";
    case IoResult::write_protected:
      return "write protected";
    case IoResult::not_ready:
      return "not ready";
  }
  return "unknown";
}

HostAdapter::HostAdapter(const sc_core::sc_module_name& name, const HostAdapterConfig& config,
                         Cache& cache, Processors& processors, SharedMemory& shared_memory,
                         VolumeLookup volumes)
    : sc_core::sc_module(name),
      config_(config),
      cache_(cache),
      processors_(processors),
      shared_memory_(shared_memory),
      volumes_(std::move(volumes)) {
  const auto speed = fc_speed(config.port_speed);
  if (!speed) {
    throw std::invalid_argument(
        fmt::format("{}: port_speed \"{}\" is not one of 8GFC, 16GFC, 32GFC, 64GFC", this->name(),
                    config.port_speed));
  }
  if (config.max_frame_payload == 0 || config.max_frame_payload > kFcMaxPayload) {
    throw std::invalid_argument(
        fmt::format("{}: max_frame_payload must be 1..{}", this->name(), kFcMaxPayload));
  }
  if (config.queue_depth == 0) {
    throw std::invalid_argument(fmt::format("{}: queue_depth must be at least 1", this->name()));
  }
  speed_ = *speed;
  ports_.resize(config.ports);
}

sc_core::sc_time HostAdapter::frame_time(uint64_t payload) const {
  const double bytes = double(fc_wire_bytes(payload, config_.max_frame_payload));
  return sc_core::sc_time(std::round(bytes / speed_.data_bytes_per_second() * 1e12),
                          sc_core::SC_PS);
}

void HostAdapter::send(Resource& direction, uint64_t payload) {
  direction.use(frame_time(payload));
}

IoStatus HostAdapter::check_request(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                                    std::size_t bytes, const Volume*& volume, bool internal) const {
  IoStatus s;
  if (port >= ports_.size()) {
    s.result = IoResult::out_of_range;
    s.message = fmt::format("{}: no port {} (it has {})", name(), port, ports_.size());
    return s;
  }
  volume = volumes_(device);
  if (volume != nullptr && !internal && visible && !visible(port, device)) {
    s.result = IoResult::no_such_volume;
    s.message = fmt::format("device {:#06x} is not mapped to this port", device);
    return s;
  }
  if (volume == nullptr) {
    s.result = IoResult::no_such_volume;
    s.message = fmt::format("no volume with device number {:#06x}", device);
    return s;
  }
  if (count == 0 || block + count > volume->geometry.blocks() || block + count < block) {
    s.result = IoResult::out_of_range;
    s.message = fmt::format("device {:#06x}: blocks {}..{} outside its {} blocks", device, block,
                            block + count, volume->geometry.blocks());
    return s;
  }
  if (bytes != std::size_t{count} * kUserDataBytes) {
    s.result = IoResult::bad_buffer;
    s.message = fmt::format("buffer of {} bytes for {} blocks of 512", bytes, count);
    return s;
  }
  if (const std::string* why = not_ready ? not_ready(device) : nullptr) {
    s.result = IoResult::not_ready;
    s.message = fmt::format("device {:#06x} is not ready: {}", device, *why);
  }
  return s;
}

std::string HostAdapter::intercept(uint16_t device, uint64_t block, uint32_t count, bool is_write) {
  std::string refusal;
  if (on_io_starting) {
    hold([&](std::function<void()> go) {
      on_io_starting(device, block, count, is_write,
                     [&refusal, go = std::move(go)](std::string why) {
                       refusal = std::move(why);
                       go();
                     });
    });
  }
  return refusal;
}

void HostAdapter::hold(const std::function<void(std::function<void()>)>& start) {
  bool released = false;
  sc_core::sc_event release;
  start([&] {
    released = true;
    release.notify(sc_core::SC_ZERO_TIME);
  });
  while (!released) sc_core::wait(release);
}

class HostAdapter::QueueSlot {
 public:
  QueueSlot(HostPort& port, uint32_t depth) : port_(port) {
    if (port_.outstanding >= depth) ++port_.queue_full;
    while (port_.outstanding >= depth) sc_core::wait(*port_.slot_freed);
    port_.outstanding_peak = std::max(port_.outstanding_peak, ++port_.outstanding);
  }
  ~QueueSlot() {
    --port_.outstanding;
    port_.slot_freed->notify(sc_core::SC_ZERO_TIME);
  }
  QueueSlot(const QueueSlot&) = delete;
  QueueSlot& operator=(const QueueSlot&) = delete;

 private:
  HostPort& port_;
};

IoStatus HostAdapter::finish(IoStatus status, uint16_t device, bool is_write, uint64_t bytes,
                             const sc_core::sc_time& start) {
  status.response = sc_core::sc_time_stamp() - start;
  if (on_io) on_io(device, is_write, bytes, status);
  return status;
}

std::vector<uint8_t> HostAdapter::command(uint32_t port_index, std::span<const uint8_t> block) {
  if (port_index >= ports_.size()) {
    throw std::out_of_range(fmt::format("{}: no port {}", name(), port_index));
  }
  HostPort& port = ports_[port_index];
  const QueueSlot held(port, config_.queue_depth);
  send(port.inbound, kFcpCmndPayload);
  send(port.inbound, block.size());
  processors_.execute(config_.command_cycles);
  std::vector<uint8_t> status;
  if (on_command) {
    status = on_command(block);
  } else {
    // result 5 (malformed): no firmware runs on this array
    const std::string m = "no firmware on this array takes commands";
    status = {0, 5, 0, static_cast<uint8_t>(m.size())};
    status.insert(status.end(), m.begin(), m.end());
  }
  send(port.outbound, status.size());
  ++port.ios;
  return status;
}

IoStatus HostAdapter::read(uint32_t port_index, uint16_t device, uint64_t block, uint32_t count,
                           std::span<uint8_t> data, bool internal) {
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  const Volume* volume = nullptr;
  IoStatus status = check_request(port_index, device, block, count, data.size(), volume, internal);
  if (!status.ok()) return status;
  HostPort& port = ports_[port_index];
  const QueueSlot held(port, config_.queue_depth);
  send(port.inbound, kFcpCmndPayload);
  processors_.execute(config_.command_cycles);
  shared_memory_.access();  // cache directory lookup
  if (std::string refusal = intercept(device, block, count, false); !refusal.empty()) {
    status.result = IoResult::data_check;
    status.bad_block = block;
    status.message = fmt::format("device {:#06x}: {}", device, refusal);
    std::fill(data.begin(), data.end(), uint8_t{0});
    send(port.outbound, kFcpRspPayload);
    return finish(std::move(status), device, false, 0, start);
  }

  const uint32_t bpt = volume->geometry.blocks_per_track;
  std::vector<uint8_t> blocks(std::size_t{count} * kStoredBlockBytes);
  status.cache_hit = true;
  for (uint64_t b = block; b < block + count;) {
    const uint64_t track = b / bpt;
    const auto first = static_cast<uint32_t>(b % bpt);
    const auto n = static_cast<uint32_t>(std::min<uint64_t>(bpt - first, block + count - b));
    Slot& slot = cache_.acquire({device, track}, bpt);
    if (volume->adapter->make_valid(slot, *volume, first, n)) status.cache_hit = false;
    for (uint32_t i = 0; i < n; ++i) {
      auto src = slot.block(first + i);
      std::copy(src.begin(), src.end(), blocks.begin() + (b - block + i) * kStoredBlockBytes);
    }
    cache_.release(slot);
    b += n;
  }
  ++(status.cache_hit ? cache_.stats().read_hits : cache_.stats().read_misses);

  cache_.transfer(blocks.size());
  const uint64_t payload = uint64_t{count} * kUserDataBytes;
  send(port.outbound, payload);
  for (uint32_t i = 0; i < count; ++i) {
    const auto stored =
        std::span(blocks).subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
    const auto check = checkcode::verify(stored, {device, static_cast<uint32_t>(block + i)});
    if (cache_.is_lost(device, block + i)) {
      status.result = IoResult::data_check;
      status.bad_block = block + i;
      status.message =
          fmt::format("device {:#06x} block {}: {}", device, block + i,
                      cache_.lost_reason(device, block + i) == Cache::LostReason::drives_lost
                          ? "lost with the drives of its parity group (more than its parity covers)"
                          : "lost at destage (damaged in cache)");
      break;
    }
    if (check != checkcode::BlockCheck::ok) {
      status.result = IoResult::data_check;
      status.bad_block = block + i;
      status.message = fmt::format("device {:#06x} block {}: {}", device, block + i,
                                   checkcode::to_string(check));
      break;
    }
    std::copy_n(stored.begin(), kUserDataBytes, data.begin() + std::size_t{i} * kUserDataBytes);
  }
  if (!status.ok()) std::fill(data.begin(), data.end(), uint8_t{0});
  send(port.outbound, kFcpRspPayload);
  ++port.ios;
  port.bytes_out += payload;
  return finish(std::move(status), device, false, payload, start);
}

IoStatus HostAdapter::write(uint32_t port_index, uint16_t device, uint64_t block, uint32_t count,
                            std::span<const uint8_t> data) {
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  const Volume* volume = nullptr;
  IoStatus status = check_request(port_index, device, block, count, data.size(), volume);
  if (!status.ok()) return status;
  if (const std::string* why = write_protection ? write_protection(device) : nullptr) {
    status.result = IoResult::write_protected;
    status.message = fmt::format("device {:#06x} refuses host writes: {}", device, *why);
    return status;
  }
  HostPort& port = ports_[port_index];
  const QueueSlot held(port, config_.queue_depth);
  send(port.inbound, kFcpCmndPayload);
  processors_.execute(config_.command_cycles);
  send(port.outbound, kFcpXferRdyPayload);
  const uint64_t payload = uint64_t{count} * kUserDataBytes;
  send(port.inbound, payload);
  shared_memory_.access();  // cache directory lookup
  // Checked again as the data lands: the device may have become a pair's
  // secondary while this write's data was on its way.
  if (const std::string* why = write_protection ? write_protection(device) : nullptr) {
    status.result = IoResult::write_protected;
    status.message = fmt::format("device {:#06x} refuses host writes: {}", device, *why);
    send(port.outbound, kFcpRspPayload);
    return finish(std::move(status), device, true, 0, start);
  }
  if (std::string refusal = intercept(device, block, count, true); !refusal.empty()) {
    status.result = IoResult::data_check;
    status.bad_block = block;
    status.message = fmt::format("device {:#06x}: {}", device, refusal);
    send(port.outbound, kFcpRspPayload);
    return finish(std::move(status), device, true, 0, start);
  }

  status.cache_hit = cache_.write_blocks(
      device, volume->geometry.blocks_per_track, block, count, [&](uint32_t i, auto dst) {
        const auto src = data.subspan(std::size_t{i} * kUserDataBytes, kUserDataBytes);
        std::copy(src.begin(), src.end(), dst.begin());
        checkcode::stamp(dst, {device, static_cast<uint32_t>(block + i)});
      });
  ++(status.cache_hit ? cache_.stats().write_hits : cache_.stats().write_misses);
  cache_.transfer(uint64_t{count} * kStoredBlockBytes);
  if (on_write_cached) {
    hold([&](std::function<void()> done) {
      on_write_cached(device, block, count, std::move(done));
    });
  }
  send(port.outbound, kFcpRspPayload);
  ++port.ios;
  port.bytes_in += payload;
  return finish(std::move(status), device, true, payload, start);
}

}  // namespace copysim::sc
