#include "systemc/array/storage_array.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "systemc/common/sim_time.h"
#include "systemc/config/json_reader.h"
#include "systemc/log/log.h"
#include "systemc/storage/drive.h"
#include "systemc/storage/parity_group.h"

namespace copysim::sc {

namespace {

// Control-store footprint of the tables the array keeps from the start.
constexpr uint64_t kSlotControlBytes = 64;     // directory entry and slot control block
constexpr uint64_t kVolumeControlBytes = 256;  // volume table entry

}  // namespace

StorageArray::StorageArray(const sc_core::sc_module_name& name, const ArrayConfig& config)
    : sc_core::sc_module(name), config_(config) {
  processors_ = std::make_unique<Processors>(config.processors);
  shared_memory_ = std::make_unique<SharedMemory>(config.shared_memory);
  cache_ = std::make_unique<Cache>(config.cache);
  shared_memory_->allocate("cache directory", config.cache.slots * kSlotControlBytes);

  for (uint32_t i = 0; i < config.drives; ++i) {
    drives_.push_back(
        std::make_unique<Drive>(fmt::format("{}.drive{}", this->name(), i), config.drive));
  }
  for (uint32_t i = 0; i < config.disk_adapters.count; ++i) {
    disk_adapters_.push_back(std::make_unique<DiskAdapter>(
        fmt::format("dka{}", i).c_str(), config.disk_adapters, *cache_, *processors_));
  }
  auto lookup = [this](uint16_t device) { return volume(device); };
  for (uint32_t i = 0; i < config.host_adapters.count; ++i) {
    host_adapters_.push_back(std::make_unique<HostAdapter>(fmt::format("ha{}", i).c_str(),
                                                           config.host_adapters, *cache_,
                                                           *processors_, *shared_memory_, lookup));
    host_adapters_.back()->write_protection = [this](uint16_t device) -> const std::string* {
      auto it = write_protected_.find(device);
      return it == write_protected_.end() ? nullptr : &it->second;
    };
    host_adapters_.back()->visible = [this, first = i * config.host_adapters.ports](
                                         uint32_t port, uint16_t device) {
      return mapped(first + port, device);
    };
    host_adapters_.back()->not_ready = [this](uint16_t device) -> const std::string* {
      auto it = not_ready_.find(device);
      return it == not_ready_.end() ? nullptr : &it->second;
    };
    host_adapters_.back()->on_io = [this](uint16_t device, bool is_write, uint64_t bytes,
                                          const IoStatus& s) {
      VolumeStats& v = volume_stats_[device];
      const auto ps = static_cast<uint64_t>(s.response.value());
      if (is_write) {
        ++v.writes;
        v.written_bytes += bytes;
        v.write_response.record(ps);
      } else {
        ++v.reads;
        v.read_bytes += bytes;
        v.read_response.record(ps);
      }
      if (s.result == IoResult::data_check) ++v.data_checks;
    };
  }
  lay_out_volumes();
  cache_->on_write_pending = [this](Slot& slot) {
    const Volume& v = volumes_.at(slot.key.device);
    v.adapter->enqueue_destage(slot, v);
  };
}

StorageArray::~StorageArray() = default;

// Drives form parity groups in order; groups hang on the disk adapters
// round robin, and each group's drives on its adapter's back-end ports
// round robin. Volumes go round robin over the groups, each volume
// contiguous in its group's block space (striped over its drives).
void StorageArray::lay_out_volumes() {
  const uint32_t width = config_.parity_group.width();
  std::vector<DiskAdapter*> adapter_of;
  for (std::size_t g = 0; g * width < drives_.size(); ++g) {
    std::vector<Drive*> members;
    for (uint32_t m = 0; m < width; ++m) members.push_back(drives_.at(g * width + m).get());
    groups_.push_back(std::make_unique<ParityGroup>(fmt::format("{}.group{}", name(), g),
                                                    config_.parity_group, members));
    adapter_of.push_back(disk_adapters_[g % disk_adapters_.size()].get());
    for (uint32_t m = 0; m < width; ++m) {
      const uint32_t port = adapter_of.back()->attach(*members[m]);
      groups_.back()->attach_port(m, adapter_of.back()->port(port), config_.disk_adapters.port);
    }
  }
  std::vector<uint64_t> next_lba(groups_.size(), 0);
  std::size_t next_group = 0;
  for (const VolumeGroupConfig& volumes : config_.volumes) {
    const VolumeGeometry geometry = volumes.model == "FBA"
                                        ? fba_volume(volumes.tracks, volumes.track_kib)
                                        : ckd_3390(volumes.model);
    for (uint32_t i = 0; i < volumes.count; ++i) {
      const auto device = static_cast<uint16_t>(volumes.first_device + i);
      if (volumes_.count(device)) {
        throw ConfigError(fmt::format("{}: device {:#06x} is configured twice", name(), device));
      }
      const std::size_t g = next_group++ % groups_.size();
      ParityGroup& group = *groups_[g];
      if (next_lba[g] + geometry.blocks() > group.blocks()) {
        throw ConfigError(fmt::format(
            "{}: device {:#06x} ({} blocks) does not fit in {} ({} of {} blocks used); add "
            "drives or cylinders",
            name(), device, geometry.blocks(), group.name(), next_lba[g], group.blocks()));
      }
      Volume v{device, geometry, &group, adapter_of[g], next_lba[g]};
      group.format_extent(v.first_lba, geometry.blocks(), {device, 0});
      next_lba[g] += geometry.blocks();
      volumes_.emplace(device, v);
      devices_.push_back(device);
      volume_stats_[device];
    }
  }
  std::sort(devices_.begin(), devices_.end());
  shared_memory_->allocate("volume table", devices_.size() * kVolumeControlBytes);
}

const Volume* StorageArray::volume(uint16_t device) const {
  auto it = volumes_.find(device);
  return it == volumes_.end() ? nullptr : &it->second;
}

uint32_t StorageArray::host_ports() const {
  return config_.host_adapters.count * config_.host_adapters.ports;
}

HostAdapter& StorageArray::adapter_of_port(uint32_t port, uint32_t& local) {
  const uint32_t per = config_.host_adapters.ports;
  local = port % per;
  return *host_adapters_.at(std::min<std::size_t>(port / per, host_adapters_.size() - 1));
}

std::vector<uint8_t> StorageArray::command(uint32_t port, std::span<const uint8_t> block) {
  uint32_t local = 0;
  if (port >= host_ports()) {
    throw std::out_of_range(fmt::format("{}: no host port {}", name(), port));
  }
  return adapter_of_port(port, local).command(local, block);
}

void StorageArray::set_command_sink(
    std::function<std::vector<uint8_t>(std::span<const uint8_t>)> sink) {
  for (auto& ha : host_adapters_) ha->on_command = sink;
}

void StorageArray::set_write_protected(uint16_t device, bool on, std::string reason) {
  if (on) {
    write_protected_[device] = std::move(reason);
  } else {
    write_protected_.erase(device);
  }
}

void StorageArray::map_volume(uint32_t port, uint16_t device) {
  if (port >= host_ports()) {
    throw std::out_of_range(fmt::format("{}: no host port {}", name(), port));
  }
  mapped_[port].insert(device);
}

bool StorageArray::mapped(uint32_t port, uint16_t device) const {
  auto it = mapped_.find(port);
  return it == mapped_.end() || it->second.count(device) != 0;
}

void StorageArray::set_not_ready(uint16_t device, bool on, std::string reason) {
  if (on) {
    not_ready_[device] = std::move(reason);
  } else {
    not_ready_.erase(device);
  }
}

void StorageArray::set_io_interceptor(
    std::function<void(uint16_t, uint64_t, uint32_t, bool, std::function<void(std::string)>)>
        interceptor) {
  for (auto& ha : host_adapters_) ha->on_io_starting = interceptor;
}

std::vector<uint8_t> StorageArray::peek(uint16_t device, uint64_t block, uint32_t count) {
  using checkcode::kStoredBlockBytes;
  using checkcode::kUserDataBytes;
  const Volume* v = volume(device);
  if (v == nullptr || block + count > v->geometry.blocks()) {
    throw std::out_of_range(fmt::format("{}: no blocks {}..{} on device {:#06x}", name(), block,
                                        block + count, device));
  }
  const uint32_t bpt = v->geometry.blocks_per_track;
  std::vector<uint8_t> out(std::size_t{count} * kUserDataBytes);
  std::array<uint8_t, kStoredBlockBytes> stored{};
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t b = block + i;
    Slot* slot = cache_->lookup({device, b / bpt});
    const auto in_track = static_cast<uint32_t>(b % bpt);
    if (slot != nullptr && slot->valid[in_track]) {
      const auto src = slot->block(in_track);
      std::copy(src.begin(), src.end(), stored.begin());
    } else {
      if (!v->group->peek(v->lba(b / bpt, in_track), stored)) stored.fill(0);
    }
    std::copy_n(stored.begin(), kUserDataBytes, out.begin() + std::ptrdiff_t(i * kUserDataBytes));
  }
  return out;
}

std::vector<uint16_t> StorageArray::lose_power() {
  auto lost = cache_->lose_power(
      [this](const SlotKey& key, uint32_t i, std::span<uint8_t, checkcode::kStoredBlockBytes> out) {
        const Volume* v = volume(key.device);
        if (v != nullptr && !v->group->peek(v->lba(key.track, i), out)) {
          std::fill(out.begin(), out.end(), uint8_t{0});
        }
      });
  std::erase_if(lost, [this](uint16_t device) { return volume(device) == nullptr; });
  for (uint16_t device : lost) {
    log_warning(*this, "power lost: write-pending data of device {:#06x} is gone", device);
  }
  return lost;
}

void StorageArray::set_write_observer(
    std::function<void(uint16_t, uint64_t, uint32_t, std::function<void()>)> observer) {
  for (auto& ha : host_adapters_) ha->on_write_cached = observer;
}

IoStatus StorageArray::read(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                            std::span<uint8_t> data) {
  if (port >= host_ports()) {
    return {IoResult::out_of_range, 0,
            fmt::format("{}: no host port {} (it has {})", name(), port, host_ports())};
  }
  uint32_t local = 0;
  return adapter_of_port(port, local).read(local, device, block, count, data);
}

IoStatus StorageArray::read_internal(uint16_t device, uint64_t block, uint32_t count,
                                     std::span<uint8_t> data) {
  return host_adapters_.front()->read(0, device, block, count, data, true);
}

IoStatus StorageArray::write(uint32_t port, uint16_t device, uint64_t block, uint32_t count,
                             std::span<const uint8_t> data) {
  if (port >= host_ports()) {
    return {IoResult::out_of_range, 0,
            fmt::format("{}: no host port {} (it has {})", name(), port, host_ports())};
  }
  uint32_t local = 0;
  return adapter_of_port(port, local).write(local, device, block, count, data);
}

IoStatus StorageArray::receive_remote_write(uint16_t device, uint64_t block, uint32_t count,
                                            std::span<const uint8_t> stored,
                                            checkcode::LogicalAddress source) {
  using checkcode::kStoredBlockBytes;
  IoStatus status;
  const Volume* v = volume(device);
  if (v == nullptr) {
    return {IoResult::no_such_volume, 0,
            fmt::format("{}: no volume with device number {:#06x}", name(), device)};
  }
  if (count == 0 || block + count > v->geometry.blocks()) {
    return {IoResult::out_of_range, 0,
            fmt::format("{}: device {:#06x} blocks {}..{} outside its {} blocks", name(), device,
                        block, block + count, v->geometry.blocks())};
  }
  if (stored.size() != std::size_t{count} * kStoredBlockBytes) {
    return {IoResult::bad_buffer, 0,
            fmt::format("{}: {} bytes for {} stored blocks", name(), stored.size(), count)};
  }
  for (uint32_t i = 0; i < count; ++i) {
    const auto b = stored.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
    const checkcode::LogicalAddress la{source.device, source.block + i};
    const auto check = checkcode::verify(b, la);
    if (check != checkcode::BlockCheck::ok) {
      ++volume_stats_[device].data_checks;
      return {IoResult::data_check, block + i,
              fmt::format("{}: block {} from device {:#06x} block {} arrived with a {}", name(),
                          block + i, source.device, la.block, checkcode::to_string(check))};
    }
  }
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  processors_->execute(config_.host_adapters.command_cycles);
  shared_memory_->access();  // cache directory lookup
  status.cache_hit = cache_->write_blocks(
      device, v->geometry.blocks_per_track, block, count, [&](uint32_t i, auto dst) {
        const auto src = stored.subspan(std::size_t{i} * kStoredBlockBytes, kStoredBlockBytes);
        std::copy(src.begin(), src.end(), dst.begin());
        checkcode::stamp(dst, {device, static_cast<uint32_t>(block + i)});
      });
  cache_->transfer(stored.size());
  ++volume_stats_[device].remote_writes;
  status.response = sc_core::sc_time_stamp() - start;
  return status;
}

nlohmann::json StorageArray::statistics() const {
  const double now_s = sc_core::sc_time_stamp().to_seconds();
  auto per_second = [now_s](double x) { return now_s > 0 ? x / now_s : 0.0; };
  nlohmann::json j;
  j["array"] = std::string(name());
  j["simulated_seconds"] = now_s;

  nlohmann::json volumes = nlohmann::json::object();
  LatencyHistogram all_reads, all_writes;
  for (uint16_t device : devices_) {
    const VolumeStats& v = volume_stats_.at(device);
    all_reads.merge(v.read_response);
    all_writes.merge(v.write_response);
    if (v.reads + v.writes + v.remote_writes + v.data_checks == 0) continue;
    volumes[fmt::format("{:#06x}", device)] = {
        {"reads", v.reads},
        {"writes", v.writes},
        {"iops", per_second(double(v.reads + v.writes))},
        {"read_mb_per_s", per_second(double(v.read_bytes)) / 1e6},
        {"write_mb_per_s", per_second(double(v.written_bytes)) / 1e6},
        {"data_checks", v.data_checks},
        {"remote_writes", v.remote_writes},
        {"read_response", v.read_response.to_json()},
        {"write_response", v.write_response.to_json()}};
  }
  j["volumes"] = volumes;
  j["totals"] = {{"read_response", all_reads.to_json()},
                 {"write_response", all_writes.to_json()},
                 {"iops", per_second(double(all_reads.count() + all_writes.count()))}};

  nlohmann::json ports = nlohmann::json::array();
  for (const auto& ha : host_adapters_) {
    for (const HostPort& p : ha->ports()) {
      ports.push_back({{"ios", p.ios},
                       {"in_mb_per_s", per_second(double(p.bytes_in)) / 1e6},
                       {"out_mb_per_s", per_second(double(p.bytes_out)) / 1e6},
                       {"inbound_utilization", p.inbound.utilization()},
                       {"outbound_utilization", p.outbound.utilization()},
                       {"outstanding_peak", p.outstanding_peak},
                       {"queue_full", p.queue_full}});
    }
  }
  j["host_ports"] = ports;

  const CacheStats& c = cache_->stats();
  const uint64_t reads = c.read_hits + c.read_misses;
  nlohmann::json cache_ports = nlohmann::json::array();
  for (const Resource& r : cache_->ports()) cache_ports.push_back(r.utilization());
  j["cache"] = {{"read_hits", c.read_hits},
                {"read_misses", c.read_misses},
                {"read_hit_ratio", reads ? double(c.read_hits) / double(reads) : 0.0},
                {"write_hits", c.write_hits},
                {"write_misses", c.write_misses},
                {"evictions", c.evictions},
                {"allocation_waits", c.allocation_waits},
                {"write_pending_waits", c.write_pending_waits},
                {"write_pending_peak", c.write_pending_peak},
                {"write_pending_now", cache_->write_pending()},
                {"slots_in_use", cache_->slots_in_use()},
                {"mb_per_s", per_second(double(c.bytes_transferred)) / 1e6},
                {"port_utilization", cache_ports}};

  nlohmann::json dkas = nlohmann::json::array();
  for (const auto& d : disk_adapters_) {
    const DiskAdapterStats& s = d->stats();
    nlohmann::json port_util = nlohmann::json::array();
    for (const Resource& r : d->ports()) port_util.push_back(r.utilization());
    dkas.push_back({{"stages", s.stages},
                    {"blocks_staged", s.blocks_staged},
                    {"destages", s.destages},
                    {"blocks_destaged", s.blocks_destaged},
                    {"destage_data_checks", s.destage_data_checks},
                    {"write_reassigns", s.write_reassigns},
                    {"copies", s.copies},
                    {"prefetches", s.prefetches},
                    {"tracks_prefetched", s.tracks_prefetched},
                    {"gathered_destages", s.gathered_destages},
                    {"pressed_destages", s.pressed_destages},
                    {"port_utilization", port_util}});
  }
  j["disk_adapters"] = dkas;

  nlohmann::json drives = nlohmann::json::array();
  for (const auto& d : drives_) {
    const DriveStats& s = d->stats();
    const uint64_t ops = s.reads + s.writes;
    drives.push_back(
        {{"reads", s.reads},
         {"writes", s.writes},
         {"utilization", now_s > 0 ? double(d->busy_ps_by(now_ps())) * 1e-12 / now_s : 0.0},
         {"read_ahead_hits", s.read_ahead_hits},
         {"mean_queue_wait_ms", ops ? double(s.queue_wait_ps) / double(ops) / 1e9 : 0.0},
         {"max_outstanding", s.max_outstanding},
         {"tag_waits", s.tag_waits},
         {"aged", s.aged},
         {"mean_seek_ms", ops ? double(s.seek_ps) / double(ops) / 1e9 : 0.0},
         {"mean_rotation_ms", ops ? double(s.rotation_ps) / double(ops) / 1e9 : 0.0},
         {"mean_transfer_ms", ops ? double(s.transfer_ps) / double(ops) / 1e9 : 0.0},
         {"stored_blocks", d->stored_blocks()}});
  }
  j["drives"] = drives;

  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : groups_) {
    const ParityGroupStats& s = g->stats();
    groups.push_back({{"name", g->name()},
                      {"raid", to_string(g->config().raid)},
                      {"reads", s.reads},
                      {"writes", s.writes},
                      {"full_stripe_writes", s.full_stripe_writes},
                      {"read_modify_writes", s.read_modify_writes},
                      {"drive_reads", s.drive_reads},
                      {"drive_writes", s.drive_writes},
                      {"degraded_reads", s.degraded_reads},
                      {"unreadable_blocks", s.unreadable_blocks},
                      {"unwritable_blocks", s.unwritable_blocks},
                      {"drive_timeouts", s.drive_timeouts},
                      {"stripe_lock_waits", s.stripe_lock_waits},
                      {"rebuilt_stripes", s.rebuilt_stripes},
                      {"failed_drives", g->failed_drives()}});
  }
  j["parity_groups"] = groups;

  nlohmann::json cores = nlohmann::json::array();
  for (const Resource& r : processors_->cores()) cores.push_back(r.utilization());
  j["processors"] = {{"cycles", processors_->cycles_executed()}, {"utilization", cores}};

  nlohmann::json tables = nlohmann::json::object();
  for (const auto& [table, bytes] : shared_memory_->tables()) tables[table] = bytes;
  j["shared_memory"] = {{"bytes", shared_memory_->config().bytes},
                        {"used", shared_memory_->used()},
                        {"accesses", shared_memory_->accesses()},
                        {"tables", tables}};
  return j;
}

}  // namespace copysim::sc
