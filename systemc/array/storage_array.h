// One storage array built from its description (seed 004 Fig. 1, seed 002
// Fig. 2): host adapters, cache, shared memory, processors, disk adapters
// with the DRR unit, drives, and the volumes laid out on them. Hosts issue
// IO through read() and write() on a front-end port; statistics() reports
// every resource.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "systemc/array/array_config.h"
#include "systemc/common/histogram.h"

namespace copysim::sc {

struct VolumeStats {
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t read_bytes = 0;
  uint64_t written_bytes = 0;
  uint64_t data_checks = 0;
  uint64_t remote_writes = 0;  // writes received over a link
  LatencyHistogram read_response;
  LatencyHistogram write_response;
};

class StorageArray : public sc_core::sc_module {
 public:
  StorageArray(const sc_core::sc_module_name& name, const ArrayConfig& config);
  ~StorageArray() override;

  // Front-end ports are numbered across adapters: port p is port
  // p % ports of adapter p / ports. From a thread process.
  IoStatus read(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                std::span<uint8_t> data);
  IoStatus write(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                 std::span<const uint8_t> data);
  // The array's own firmware reading a volume through the host read path,
  // whatever the host ports' LUN masking.
  IoStatus read_internal(uint16_t device, uint64_t block, uint32_t count, std::span<uint8_t> data);

  // The secondary side of a remote write: stored blocks that arrived over
  // a link, addressed for `source` on the primary. Every block is checked
  // first (one damaged block refuses the whole write, changing nothing);
  // then each is stamped for this volume and written into cache, write
  // pending, like a host write. From a thread process.
  IoStatus receive_remote_write(uint16_t device, uint64_t block, uint32_t count,
                                std::span<const uint8_t> stored, checkcode::LogicalAddress source);

  // From a thread process: a command block sent on a front-end port; the
  // status bytes from the firmware (set_command_sink) come back.
  std::vector<uint8_t> command(uint32_t port, std::span<const uint8_t> block);
  void set_command_sink(std::function<std::vector<uint8_t>(std::span<const uint8_t>)> sink);
  // Host writes are held, once in cache, until `observer` calls done.
  void set_write_observer(
      std::function<void(uint16_t, uint64_t, uint32_t, std::function<void()>)> observer);

  // Host IO waits, before its data moves, for `interceptor` to call proceed
  // (HostAdapter::on_io_starting).
  void set_io_interceptor(
      std::function<void(uint16_t, uint64_t, uint32_t, bool, std::function<void(std::string)>)>
          interceptor);

  // Maps `device` to host port `port`: once a port has a volume mapped, it
  // sees only its mapped volumes (LUN masking).
  void map_volume(uint32_t port, uint16_t device);
  bool mapped(uint32_t port, uint16_t device) const;

  // Host writes to `device` are refused (`reason` says why), or allowed again.
  void set_write_protected(uint16_t device, bool on, std::string reason = {});
  // Host reads and writes of `device` are refused (not ready), or allowed again.
  void set_not_ready(uint16_t device, bool on, std::string reason = {});

  // The user data of blocks [block, block + count) as the array holds them
  // now (cache first, then the drive), taking no simulated time: a
  // testbench's backdoor for reference images, never the data path.
  std::vector<uint8_t> peek(uint16_t device, uint64_t block, uint32_t count);
  // Fault injection: the array loses power. Without a non-volatile cache
  // its write-pending data is gone (the drives keep older data); returns
  // the volumes that lost data, which the array reports once it is back.
  std::vector<uint16_t> lose_power();

  uint32_t host_ports() const;
  const Volume* volume(uint16_t device) const;
  const std::vector<uint16_t>& devices() const { return devices_; }

  const ArrayConfig& config() const { return config_; }
  Cache& cache() { return *cache_; }
  Processors& processors() { return *processors_; }
  SharedMemory& shared_memory() { return *shared_memory_; }
  Drive& drive(std::size_t i) { return *drives_.at(i); }
  std::size_t parity_groups() const { return groups_.size(); }
  ParityGroup& parity_group(std::size_t i) { return *groups_.at(i); }
  DiskAdapter& disk_adapter(std::size_t i) { return *disk_adapters_.at(i); }
  HostAdapter& host_adapter(std::size_t i) { return *host_adapters_.at(i); }
  const VolumeStats& volume_stats(uint16_t device) const { return volume_stats_.at(device); }

  // Every counter, utilization and response-time histogram, in JSON; the
  // same configuration and seed give the same text.
  nlohmann::json statistics() const;

 private:
  void lay_out_volumes();
  HostAdapter& adapter_of_port(uint32_t port, uint32_t& local);

  ArrayConfig config_;
  std::unique_ptr<Processors> processors_;
  std::unique_ptr<SharedMemory> shared_memory_;
  std::unique_ptr<Cache> cache_;
  std::vector<std::unique_ptr<Drive>> drives_;
  std::vector<std::unique_ptr<ParityGroup>> groups_;
  std::vector<std::unique_ptr<DiskAdapter>> disk_adapters_;
  std::vector<std::unique_ptr<HostAdapter>> host_adapters_;
  std::unordered_map<uint16_t, Volume> volumes_;
  std::vector<uint16_t> devices_;
  std::unordered_map<uint16_t, VolumeStats> volume_stats_;
  std::unordered_map<uint16_t, std::string> write_protected_;
  std::unordered_map<uint16_t, std::string> not_ready_;
  std::unordered_map<uint32_t, std::unordered_set<uint16_t>> mapped_;  // by host port
};

}  // namespace copysim::sc
