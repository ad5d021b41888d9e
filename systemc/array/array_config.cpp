#include "systemc/array/array_config.h"

#include <fmt/format.h>

#include <fstream>
#include <limits>

#include "systemc/config/json_reader.h"
#include "systemc/storage/geometry.h"

namespace copysim::sc {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kMaxU32 = std::numeric_limits<uint32_t>::max();

void read_path(JsonReader r, ClockedPath& p) {
  r.read("clock_mhz", p.clock_mhz, 1.0, 100000.0);
  r.read("width_bytes", p.width_bytes, 1, 4096);
  r.read("latency_cycles", p.latency_cycles, 0, 1000000);
  r.finish();
}

nlohmann::json path_json(const ClockedPath& p) {
  return {{"clock_mhz", p.clock_mhz},
          {"width_bytes", p.width_bytes},
          {"latency_cycles", p.latency_cycles}};
}

}  // namespace

ArrayConfig ArrayConfig::from_json(const nlohmann::json& description) {
  ArrayConfig c;
  JsonReader r(description, "");
  r.read("name", c.name);
  {
    auto p = r.object("processors");
    p.read("count", c.processors.count, 1, 1024);
    p.read("clock_mhz", c.processors.clock_mhz, 1.0, 100000.0);
    p.read("workers", c.processors.workers, 1, 65536);
    p.finish();
  }
  {
    auto s = r.object("shared_memory");
    s.read("bytes", c.shared_memory.bytes, 1, kMaxU64);
    s.read("access_ns", c.shared_memory.access_ns, 0.0, 1e6);
    s.finish();
  }
  {
    auto k = r.object("cache");
    k.read("slots", c.cache.slots, 1, uint64_t{1} << 32);
    k.read("ports", c.cache.ports, 1, 1024);
    if (k.has("port")) read_path(k.object("port"), c.cache.port);
    k.read("write_pending_limit", c.cache.write_pending_limit, 0.001, 1.0);
    k.read("non_volatile", c.cache.non_volatile);
    k.read("destage_age_ms", c.cache.destage_age_ms, 0.0, 1e7);
    k.read("destage_high_water", c.cache.destage_high_water, 0.001, 1.0);
    k.read("destage_gather_blocks", c.cache.destage_gather_blocks, 1, 1u << 20);
    k.read("prefetch_blocks", c.cache.prefetch_blocks, 0, 1u << 20);
    k.finish();
  }
  {
    auto h = r.object("host_adapters");
    h.read("count", c.host_adapters.count, 1, 256);
    h.read("ports", c.host_adapters.ports, 1, 256);
    h.read("port_speed", c.host_adapters.port_speed);
    if (!fc_speed(c.host_adapters.port_speed)) {
      h.fail("port_speed", fmt::format("\"{}\" is not one of 8GFC, 16GFC, 32GFC, 64GFC",
                                       c.host_adapters.port_speed));
    }
    h.read("max_frame_payload", c.host_adapters.max_frame_payload, 1, kFcMaxPayload);
    h.read("command_cycles", c.host_adapters.command_cycles, 0, kMaxU32);
    h.read("queue_depth", c.host_adapters.queue_depth, 1, 65535);
    h.finish();
  }
  {
    auto d = r.object("disk_adapters");
    d.read("count", c.disk_adapters.count, 1, 256);
    d.read("ports", c.disk_adapters.ports, 1, 256);
    if (d.has("port")) read_path(d.object("port"), c.disk_adapters.port);
    d.read("command_overhead_us", c.disk_adapters.command_overhead_us, 0.0, 1e6);
    d.read("command_cycles", c.disk_adapters.command_cycles, 0, kMaxU32);
    d.read("destage_streams", c.disk_adapters.destage_streams, 1, 4096);
    if (d.has("drr")) {
      auto x = d.object("drr");
      std::string implementation(to_string(c.disk_adapters.drr.implementation));
      x.read("implementation", implementation);
      const auto parsed = parse_drr_implementation(implementation);
      if (!parsed) x.fail("implementation", "expected rtl, model or fast");
      c.disk_adapters.drr.implementation = *parsed;
      x.read("clock_mhz", c.disk_adapters.drr.clock_mhz, 1.0, 100000.0);
      x.read("data_bytes", c.disk_adapters.drr.data_bytes, 8, 512);
      // Each disk adapter's unit writes <stem>.<adapter>.fst (rtl only).
      x.read("wave_file", c.disk_adapters.drr.wave_file);
      try {
        DrrUnit::validate(c.disk_adapters.drr);
      } catch (const std::invalid_argument& e) {
        x.fail("data_bytes", e.what());
      }
      x.finish();
    }
    d.finish();
  }
  r.read("drives", c.drives, 1, 100000);
  {
    auto v = r.object("drive");
    v.read("rpm", c.drive.rpm, 1000.0, 100000.0);
    v.read("cylinders", c.drive.cylinders, 3, kMaxU32);
    v.read("heads", c.drive.heads, 1, 1024);
    v.read("blocks_per_track", c.drive.blocks_per_track, 1, 1000000);
    v.read("track_to_track_ms", c.drive.track_to_track_ms, 0.0, 1000.0);
    v.read("full_stroke_ms", c.drive.full_stroke_ms, 0.0, 1000.0);
    v.read("head_switch_ms", c.drive.head_switch_ms, 0.0, 1000.0);
    v.read("controller_overhead_us", c.drive.controller_overhead_us, 0.0, 1e6);
    v.read("queue_depth", c.drive.queue_depth, 1, 1024);
    std::string scheduler(to_string(c.drive.scheduler));
    v.read("scheduler", scheduler);
    const auto parsed = parse_drive_scheduler(scheduler);
    if (!parsed)
      v.fail("scheduler", fmt::format("\"{}\" is not one of fifo, elevator, satf", scheduler));
    c.drive.scheduler = *parsed;
    v.read("max_queue_wait_ms", c.drive.max_queue_wait_ms, 0.0, 1e6);
    v.read("read_ahead_blocks", c.drive.read_ahead_blocks, 0, 1u << 20);
    v.read("background_share", c.drive.background_share, 0.0, 1.0);
    if (c.drive.full_stroke_ms < c.drive.track_to_track_ms) {
      v.fail("full_stroke_ms", "must not be shorter than track_to_track_ms");
    }
    v.finish();
  }
  {
    auto g = r.object("parity_group");
    std::string raid(to_string(c.parity_group.raid));
    g.read("raid", raid);
    const auto level = parse_raid_level(raid);
    if (!level)
      g.fail("raid", fmt::format("\"{}\" is not one of raid0, raid1, raid5, raid6", raid));
    c.parity_group.raid = *level;
    g.read("data_drives", c.parity_group.data_drives, 1, 64);
    g.read("chunk_blocks", c.parity_group.chunk_blocks, 1, 1u << 20);
    g.read("rebuild_mb_per_s", c.parity_group.rebuild_mb_per_s, 0.001, 1e6);
    g.read("drive_timeout_ms", c.parity_group.drive_timeout_ms, 0.001, 1e7);
    if (c.parity_group.raid == RaidLevel::raid6 && c.parity_group.data_drives < 2) {
      g.fail("data_drives", "raid6 needs at least 2 data drives");
    }
    g.finish();
  }
  if (c.drives % c.parity_group.width() != 0) {
    r.fail("drives",
           fmt::format("{} drives do not make whole {} parity groups ({} drives each); set "
                       "drives or parity_group",
                       c.drives, c.parity_group.label(), c.parity_group.width()));
  }
  if (const auto* groups = r.array("volumes")) {
    for (std::size_t i = 0; i < groups->size(); ++i) {
      JsonReader g((*groups)[i], fmt::format("/volumes/{}", i));
      VolumeGroupConfig vg;
      g.read_device("first_device", vg.first_device);
      g.read("count", vg.count, 1, 65536);
      g.read("model", vg.model);
      g.read("tracks", vg.tracks, 1, kMaxU64);
      g.read("track_kib", vg.track_kib, 1, 1024);
      if (vg.model == "FBA") {
        if (vg.tracks == 0) g.fail("tracks", "an FBA volume group needs \"tracks\"");
        // Block numbers in a logical address are 32 bits.
        const uint64_t blocks = vg.tracks * fba_volume(1, vg.track_kib).blocks_per_track;
        if (vg.tracks > (uint64_t{1} << 32) || blocks > (uint64_t{1} << 32)) {
          g.fail("tracks",
                 fmt::format("{} tracks of {} KiB exceed 2^32 blocks", vg.tracks, vg.track_kib));
        }
      } else {
        try {
          ckd_3390(vg.model);
        } catch (const std::invalid_argument& e) {
          g.fail("model", std::string(e.what()) + ", or FBA");
        }
        for (const char* key : {"tracks", "track_kib"}) {
          if (g.has(key)) g.fail(key, "3390 volumes take their geometry from the model");
        }
      }
      if (uint32_t{vg.first_device} + vg.count > 0x10000) {
        g.fail("count",
               fmt::format("devices {:#06x} + {} run past 0xffff", vg.first_device, vg.count));
      }
      g.finish();
      c.volumes.push_back(vg);
    }
  }
  r.finish();
  return c;
}

ArrayConfig ArrayConfig::from_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw ConfigError(fmt::format("{}: cannot open", path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(file);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
  try {
    return from_json(j);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
}

nlohmann::json ArrayConfig::to_json() const {
  nlohmann::json volumes_json = nlohmann::json::array();
  for (const auto& v : volumes) {
    nlohmann::json g = {{"first_device", fmt::format("{:#06x}", v.first_device)},
                        {"count", v.count},
                        {"model", v.model}};
    if (v.model == "FBA") {
      g["tracks"] = v.tracks;
      g["track_kib"] = v.track_kib;
    }
    volumes_json.push_back(g);
  }
  return {
      {"name", name},
      {"processors",
       {{"count", processors.count},
        {"clock_mhz", processors.clock_mhz},
        {"workers", processors.workers}}},
      {"shared_memory", {{"bytes", shared_memory.bytes}, {"access_ns", shared_memory.access_ns}}},
      {"cache",
       {{"slots", cache.slots},
        {"ports", cache.ports},
        {"port", path_json(cache.port)},
        {"write_pending_limit", cache.write_pending_limit},
        {"non_volatile", cache.non_volatile},
        {"destage_age_ms", cache.destage_age_ms},
        {"destage_high_water", cache.destage_high_water},
        {"destage_gather_blocks", cache.destage_gather_blocks},
        {"prefetch_blocks", cache.prefetch_blocks}}},
      {"host_adapters",
       {{"count", host_adapters.count},
        {"ports", host_adapters.ports},
        {"port_speed", host_adapters.port_speed},
        {"max_frame_payload", host_adapters.max_frame_payload},
        {"command_cycles", host_adapters.command_cycles},
        {"queue_depth", host_adapters.queue_depth}}},
      {"disk_adapters",
       {{"count", disk_adapters.count},
        {"ports", disk_adapters.ports},
        {"port", path_json(disk_adapters.port)},
        {"command_overhead_us", disk_adapters.command_overhead_us},
        {"command_cycles", disk_adapters.command_cycles},
        {"destage_streams", disk_adapters.destage_streams},
        {"drr",
         {{"implementation", to_string(disk_adapters.drr.implementation)},
          {"clock_mhz", disk_adapters.drr.clock_mhz},
          {"data_bytes", disk_adapters.drr.data_bytes}}}}},
      {"drives", drives},
      {"drive",
       {{"rpm", drive.rpm},
        {"cylinders", drive.cylinders},
        {"heads", drive.heads},
        {"blocks_per_track", drive.blocks_per_track},
        {"track_to_track_ms", drive.track_to_track_ms},
        {"full_stroke_ms", drive.full_stroke_ms},
        {"head_switch_ms", drive.head_switch_ms},
        {"controller_overhead_us", drive.controller_overhead_us},
        {"queue_depth", drive.queue_depth},
        {"scheduler", to_string(drive.scheduler)},
        {"max_queue_wait_ms", drive.max_queue_wait_ms},
        {"background_share", drive.background_share},
        {"read_ahead_blocks", drive.read_ahead_blocks}}},
      {"parity_group",
       {{"raid", to_string(parity_group.raid)},
        {"data_drives", parity_group.data_drives},
        {"chunk_blocks", parity_group.chunk_blocks},
        {"rebuild_mb_per_s", parity_group.rebuild_mb_per_s},
        {"drive_timeout_ms", parity_group.drive_timeout_ms}}},
      {"volumes", volumes_json},
  };
}

}  // namespace copysim::sc
